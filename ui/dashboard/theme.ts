// Colour policy of the dashboard: colours and emphasis only when the environment allows them
// (NO_COLOR, https://no-color.org: present and not empty → plain text). Components take a theme prop.

export interface DashboardTheme {
  color: boolean;
}

export function themeFromEnv(env: NodeJS.ProcessEnv = process.env): DashboardTheme {
  return { color: !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') };
}

export const THEME_PLAIN: DashboardTheme = { color: false };
export const THEME_COLOR: DashboardTheme = { color: true };
