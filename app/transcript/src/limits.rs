//! What reading one transcript may take. A small upload can stand for a lot
//! of work: a zip of a few MB may inflate to gigabytes, list a million files,
//! or hold a JSON document whose many tiny values take a hundred times their
//! size once parsed. These limits keep the memory one reading holds, and the
//! bytes it inflates, bounded whatever the input's shape. Each refusal names
//! its limit and what to do.
//!
//! Files are read one at a time; what is held at once is at most one file's
//! bytes ([`MAX_DOCUMENT_BYTES`]) and what is parsed from it, or from one
//! Slack channel's day files ([`MAX_HELD_BYTES`]). A refusal is an error of
//! kind `QuotaExceeded` ([`is_refusal`]): the whole archive is refused, while
//! a file over its own limit is a problem and the archive's other files are
//! read.

use std::cell::Cell;
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;

/// The largest file read whole: a document, or a file inside an archive.
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// What the files of one archive may inflate to, together: the work a small
/// zip of huge files can ask for.
pub const MAX_ARCHIVE_BYTES: u64 = 1024 * 1024 * 1024;

/// Files (and folders) in one archive.
pub const MAX_ARCHIVE_ENTRIES: u64 = 100_000;

/// A zip's list of its files (the central directory), read whole before any
/// file (with some 600 bytes of memory for each file listed).
pub const MAX_ZIP_DIRECTORY_BYTES: u64 = 32 * 1024 * 1024;

/// What a tar holds between two files (long names, extended attributes),
/// which the tar reader reads whole.
pub const MAX_TAR_HEADER_BYTES: u64 = 1024 * 1024;

/// The memory, as estimated while reading, that one file's parsed JSON, or
/// the messages waiting to be sorted (a Mattermost export's posts, a Slack
/// channel's across its days, with the day being parsed), may take.
pub const MAX_HELD_BYTES: u64 = 512 * 1024 * 1024;

/// The memory a heap allocation of `bytes` takes, about: allocators hand
/// out 16-byte steps with a 16-byte header, at least 32 bytes.
pub(crate) fn heap(bytes: usize) -> u64 {
    (bytes as u64 + 16).next_multiple_of(16).max(32)
}

/// What to do about an archive over a limit.
const SPLIT: &str = "import the incident's channels and days in smaller archives";

/// Which limit of an archive was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reached {
    Bytes,
    Entries,
    Directory,
    TarHeader,
}

impl Reached {
    fn reason(self) -> String {
        match self {
            Reached::Bytes => format!(
                "its files come to more than {} MB uncompressed, the most Debrief reads from one archive; {SPLIT}",
                MAX_ARCHIVE_BYTES >> 20
            ),
            Reached::Entries => format!(
                "it holds more than {MAX_ARCHIVE_ENTRIES} files, the most Debrief reads from one archive; {SPLIT}"
            ),
            Reached::Directory => format!(
                "its list of files takes more than {} MB, the most Debrief reads for one archive; {SPLIT}",
                MAX_ZIP_DIRECTORY_BYTES >> 20
            ),
            Reached::TarHeader => format!(
                "a header in it (a long file name or extended attributes) takes more than {} KB, the most Debrief reads; pack the export again with plain file names",
                MAX_TAR_HEADER_BYTES >> 10
            ),
        }
    }
}

/// Whether an error is an archive's refusal: the whole archive is refused,
/// not just the file being read.
pub fn is_refusal(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::QuotaExceeded
}

/// What one pass over an archive has taken so far: bytes inflated, files
/// seen, and (while a tar reader looks for the next file) bytes of headers.
/// Shared by the readers it hands out.
#[derive(Clone, Default)]
pub(crate) struct Budget(Rc<State>);

#[derive(Default)]
struct State {
    inflated: Cell<u64>,
    entries: Cell<u64>,
    /// Bytes read since a tar's header began; `None` while a file's own
    /// bytes are read.
    header: Cell<Option<u64>>,
    reached: Cell<Option<Reached>>,
}

impl Budget {
    fn refuse(&self, reached: Reached) -> io::Error {
        if self.0.reached.get().is_none() {
            self.0.reached.set(Some(reached));
        }
        self.refusal().expect("just set")
    }

    /// The refusal, once a limit was reached.
    fn refusal(&self) -> Option<io::Error> {
        self.0
            .reached
            .get()
            .map(|r| io::Error::new(io::ErrorKind::QuotaExceeded, r.reason()))
    }

    /// An error met while reading the archive, or the refusal behind it (the
    /// zip and tar readers wrap what their input returns).
    pub fn error(&self, e: io::Error) -> io::Error {
        self.refusal().unwrap_or(e)
    }

    /// Counts one more file of the archive.
    pub fn entry(&self) -> io::Result<()> {
        let entries = self.0.entries.get() + 1;
        self.0.entries.set(entries);
        if entries > MAX_ARCHIVE_ENTRIES {
            return Err(self.refuse(Reached::Entries));
        }
        Ok(())
    }

    /// Files the archive says it holds, before any is read.
    fn entries(&self, count: u64) -> io::Result<()> {
        if count > MAX_ARCHIVE_ENTRIES {
            return Err(self.refuse(Reached::Entries));
        }
        Ok(())
    }

    /// What the archive says its files inflate to, before any is read: a
    /// quick refusal of an honest bomb (a dishonest one is caught by count).
    fn declared(&self, bytes: Option<u128>) -> io::Result<()> {
        if bytes.is_some_and(|b| b > u128::from(MAX_ARCHIVE_BYTES)) {
            return Err(self.refuse(Reached::Bytes));
        }
        Ok(())
    }

    fn count(&self, n: usize) -> io::Result<()> {
        if let Some(reached) = self.0.reached.get() {
            return Err(self.refuse(reached));
        }
        let n = n as u64;
        if let Some(header) = self.0.header.get() {
            let header = header + n;
            self.0.header.set(Some(header));
            return if header > MAX_TAR_HEADER_BYTES {
                Err(self.refuse(Reached::TarHeader))
            } else {
                Ok(())
            };
        }
        let inflated = self.0.inflated.get() + n;
        self.0.inflated.set(inflated);
        if inflated > MAX_ARCHIVE_BYTES {
            return Err(self.refuse(Reached::Bytes));
        }
        Ok(())
    }

    /// Counts what a tar reader reads from here to the next file's bytes
    /// (its headers) against [`MAX_TAR_HEADER_BYTES`].
    pub fn header_begins(&self) {
        self.0.header.set(Some(0));
    }

    /// A file's bytes follow: they count against [`MAX_ARCHIVE_BYTES`].
    pub fn header_ends(&self) {
        self.0.header.set(None);
    }

    /// `inner` (an archive's inflated stream, or one file of it), counted.
    pub fn reader<R: Read>(&self, inner: R) -> Counted<R> {
        Counted {
            inner,
            budget: self.clone(),
        }
    }
}

/// A reader whose bytes count against a [`Budget`].
pub(crate) struct Counted<R> {
    inner: R,
    budget: Budget,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.budget.count(n)?;
        Ok(n)
    }
}

/// Opens a zip to read its files: within the limits on its list of files
/// and their number, and on what they say they inflate to.
pub(crate) fn open_zip<R: Read + Seek>(
    inner: R,
    budget: &Budget,
) -> io::Result<zip::ZipArchive<R>> {
    let archive = list_zip(inner, budget)?;
    budget.declared(archive.decompressed_size())?;
    Ok(archive)
}

/// Opens a zip for its list of files, within the limits on that list and on
/// the number of files.
///
/// The zip reader reads the list whole, and tries other places for it when
/// one fails: the limits are checked first against every file header the zip
/// holds anywhere (an upper bound on any list it could read), so that no
/// shape of zip gets past them.
pub(crate) fn list_zip<R: Read + Seek>(
    mut inner: R,
    budget: &Budget,
) -> io::Result<zip::ZipArchive<R>> {
    inner.seek(SeekFrom::Start(0))?;
    let (headers, bytes) = directory_headers(&mut inner)?;
    budget.entries(headers)?;
    if bytes > MAX_ZIP_DIRECTORY_BYTES {
        return Err(budget.refuse(Reached::Directory));
    }
    inner.seek(SeekFrom::Start(0))?;
    let archive = zip::ZipArchive::new(inner)?;
    budget.entries(archive.len() as u64)?;
    Ok(archive)
}

/// The central directory file headers anywhere in a zip, and the bytes they
/// say they take (fixed part, name, extra field and comment).
fn directory_headers(input: &mut impl Read) -> io::Result<(u64, u64)> {
    const SIGNATURE: &[u8; 4] = b"PK\x01\x02";
    /// A header's fixed part; its lengths are at 28..34.
    const FIXED: usize = 46;
    let mut buf = vec![0u8; (1 << 20) + FIXED];
    let (mut held, mut headers, mut bytes) = (0usize, 0u64, 0u64);
    loop {
        let n = input.read(&mut buf[held..])?;
        let end = held + n;
        // A header whose fixed part is cut by the buffer's end is looked at
        // with the next read; at the end of the input, as it is.
        let last = if n == 0 {
            end
        } else {
            end.saturating_sub(FIXED - 1)
        };
        let mut at = 0;
        while let Some(found) = buf[at..last.min(end.saturating_sub(SIGNATURE.len() - 1))]
            .iter()
            .position(|&b| b == SIGNATURE[0])
        {
            at += found;
            if &buf[at..at + SIGNATURE.len()] == SIGNATURE {
                headers += 1;
                let length = |i: usize| {
                    buf.get(at + i..at + i + 2)
                        .map_or(0, |b| u64::from(u16::from_le_bytes([b[0], b[1]])))
                };
                bytes += FIXED as u64 + length(28) + length(30) + length(32);
            }
            at += 1;
        }
        if n == 0 {
            return Ok((headers, bytes));
        }
        buf.copy_within(last..end, 0);
        held = end - last;
    }
}

/// Reads a file of an archive whole, counted against `budget` and at most
/// [`MAX_DOCUMENT_BYTES`]: a larger file is an error about that file (the
/// archive's other files are still read); an archive over its limits is a
/// refusal ([`is_refusal`]).
pub(crate) fn read_file(reader: impl Read, budget: &Budget) -> io::Result<Vec<u8>> {
    read_whole(budget.reader(reader)).map_err(|e| budget.error(e))
}

/// Reads a file whole, at most [`MAX_DOCUMENT_BYTES`].
pub fn read_whole(reader: impl Read) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "larger than {} MB, the most Debrief reads whole",
                MAX_DOCUMENT_BYTES >> 20
            ),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_refuses_past_its_bytes_and_says_so_from_then_on() {
        let budget = Budget::default();
        let zeros = io::repeat(0).take(MAX_ARCHIVE_BYTES + 1);
        let e = io::copy(&mut budget.reader(zeros), &mut io::sink()).unwrap_err();
        assert!(is_refusal(&e), "{e}");
        assert!(
            e.to_string().contains("more than 1024 MB uncompressed"),
            "{e}"
        );
        // Every later read of the same archive is refused too.
        let e = read_file(&b"small"[..], &budget).unwrap_err();
        assert!(is_refusal(&e), "{e}");
        // An error the reader wraps gives way to the refusal.
        let e = budget.error(io::Error::other("failed to iterate over archive"));
        assert!(e.to_string().starts_with("its files come to"), "{e}");
    }

    #[test]
    fn headers_count_apart_from_files() {
        let budget = Budget::default();
        budget.header_begins();
        let e = io::copy(
            &mut budget.reader(io::repeat(0).take(MAX_TAR_HEADER_BYTES + 1)),
            &mut io::sink(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("takes more than 1024 KB"), "{e}");
        let budget = Budget::default();
        budget.header_begins();
        io::copy(&mut budget.reader(&[0u8; 512][..]), &mut io::sink()).unwrap();
        budget.header_ends();
        assert_eq!(budget.0.inflated.get(), 0);
    }

    #[test]
    fn a_file_over_the_document_limit_is_not_a_refusal_of_the_archive() {
        let budget = Budget::default();
        let e = read_file(io::repeat(b'x').take(MAX_DOCUMENT_BYTES + 1), &budget).unwrap_err();
        assert!(!is_refusal(&e));
        assert!(e.to_string().contains("larger than 256 MB"), "{e}");
    }
}
