// The accounts the end-to-end server starts with. playwright.config.ts creates
// them with `debrief user add` before the server first starts on its database.

/** Every account's password (at least 10 characters, none of the login names). */
export const PASSWORD = 'correct horse battery staple';

export const ACCOUNTS = [
  { login: 'admin', role: 'admin', displayName: 'Admin person', roleLabel: 'Administrator' },
  { login: 'editor', role: 'editor', displayName: 'Editor person', roleLabel: 'Editor' },
  { login: 'viewer', role: 'viewer', displayName: 'Viewer person', roleLabel: 'Viewer' },
] as const;

export type Login = (typeof ACCOUNTS)[number]['login'];

/** How the header names a signed-in account, e.g. "Editor person (Editor)". */
export function headerName(login: Login): string {
  const account = ACCOUNTS.find((a) => a.login === login)!;
  return `${account.displayName} (${account.roleLabel})`;
}
