// A module only shows in the app's sidebar when it is listed in the project's module bar
// setting. We add ours once; an admin who later disables it keeps it disabled.

export interface ModuleBarEntry {
	type: 'module' | 'link';
	id: string;
	enabled: boolean;
	[key: string]: unknown;
}

// The app's default when the setting is empty (Directus 11 and 12; unknown ids are ignored).
export const DEFAULT_MODULE_BAR: ModuleBarEntry[] = [
	{ type: 'module', id: 'content', enabled: true },
	{ type: 'module', id: 'visual', enabled: false },
	{ type: 'module', id: 'users', enabled: true },
	{ type: 'module', id: 'files', enabled: true },
	{ type: 'module', id: 'insights', enabled: true },
	{ type: 'module', id: 'flows', enabled: true },
	{ type: 'module', id: 'deployments', enabled: false },
	{ type: 'link', id: 'docs', enabled: true, name: '$t:documentation', icon: 'help', url: 'https://directus.com/docs' },
	{ type: 'module', id: 'settings', enabled: true, locked: true },
];

/** The module bar with our module added before Settings, or null when it is already listed. */
export function withModule(current: ModuleBarEntry[] | null | undefined, moduleId: string): ModuleBarEntry[] | null {
	const bar = Array.isArray(current) && current.length > 0 ? current : DEFAULT_MODULE_BAR;
	if (bar.some((entry) => entry.type === 'module' && entry.id === moduleId)) return null;
	const entry: ModuleBarEntry = { type: 'module', id: moduleId, enabled: true };
	const settingsIndex = bar.findIndex((item) => item.id === 'settings');
	const at = settingsIndex === -1 ? bar.length : settingsIndex;
	return [...bar.slice(0, at), entry, ...bar.slice(at)];
}
