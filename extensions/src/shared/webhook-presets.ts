// Receiver shapes a new outgoing webhook can start from: what Slack, Discord, Teams and the build
// hooks of Netlify, Vercel and Cloudflare Pages expect. A preset only fills fields the caller left
// out, so everything it fills can be edited. Shared by the API (`preset` on create) and the app's
// preset picker.

export const WEBHOOK_PRESETS = ['generic', 'slack', 'discord', 'teams', 'netlify', 'vercel', 'cloudflare-pages'] as const;
export type WebhookPreset = (typeof WEBHOOK_PRESETS)[number];

export interface PresetInfo {
	label: string;
	/** Where the user gets the URL to paste. */
	urlHelp: string;
	/** A build hook: debounced, and its send button reads "Deploy now". */
	buildHook: boolean;
	/** The fields the preset fills. */
	fields: {
		method: 'POST';
		content_type: string;
		body_template: string | null;
		debounce_seconds: number;
	};
}

/** Build hooks wait for this long a quiet spell: one site build per burst of edits. */
export const BUILD_HOOK_DEBOUNCE_SECONDS = 30;

const SUMMARY = '{{ event }} in {{ collection }} ({{ keys }})';

const jsonTemplate = (value: unknown) => JSON.stringify(value, null, 2);

export const PRESETS: Record<WebhookPreset, PresetInfo> = {
	generic: {
		label: 'Generic JSON (the legacy Directus webhook body)',
		urlHelp: 'Any URL that accepts a JSON POST',
		buildHook: false,
		fields: { method: 'POST', content_type: 'application/json', body_template: null, debounce_seconds: 0 },
	},
	slack: {
		label: 'Slack incoming webhook',
		urlHelp: 'Slack: Apps → Incoming Webhooks → Add New Webhook to Workspace (https://hooks.slack.com/services/…)',
		buildHook: false,
		fields: { method: 'POST', content_type: 'application/json', body_template: jsonTemplate({ text: `${SUMMARY}: {{ payload }}` }), debounce_seconds: 0 },
	},
	discord: {
		label: 'Discord webhook',
		urlHelp: 'Discord: Server Settings → Integrations → Webhooks → New Webhook → Copy Webhook URL',
		buildHook: false,
		fields: { method: 'POST', content_type: 'application/json', body_template: jsonTemplate({ content: `${SUMMARY}: {{ payload }}` }), debounce_seconds: 0 },
	},
	teams: {
		label: 'Microsoft Teams (Workflows, Adaptive Card)',
		urlHelp: 'Teams: the channel\'s ⋯ → Workflows → "Post to a channel when a webhook request is received" → copy the URL',
		buildHook: false,
		fields: {
			method: 'POST',
			content_type: 'application/json',
			body_template: jsonTemplate({
				type: 'message',
				attachments: [{
					contentType: 'application/vnd.microsoft.card.adaptive',
					contentUrl: null,
					content: {
						$schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
						type: 'AdaptiveCard',
						version: '1.4',
						body: [
							{ type: 'TextBlock', size: 'Medium', weight: 'Bolder', text: SUMMARY, wrap: true },
							{ type: 'TextBlock', text: '{{ payload }}', wrap: true, fontType: 'Monospace' },
						],
					},
				}],
			}),
			debounce_seconds: 0,
		},
	},
	netlify: {
		label: 'Netlify build hook',
		urlHelp: 'Netlify: Site configuration → Build & deploy → Build hooks → Add build hook (https://api.netlify.com/build_hooks/…)',
		buildHook: true,
		fields: { method: 'POST', content_type: 'application/json', body_template: null, debounce_seconds: BUILD_HOOK_DEBOUNCE_SECONDS },
	},
	vercel: {
		label: 'Vercel deploy hook',
		urlHelp: 'Vercel: Project → Settings → Git → Deploy Hooks → Create Hook (https://api.vercel.com/v1/integrations/deploy/…)',
		buildHook: true,
		fields: { method: 'POST', content_type: 'application/json', body_template: null, debounce_seconds: BUILD_HOOK_DEBOUNCE_SECONDS },
	},
	'cloudflare-pages': {
		label: 'Cloudflare Pages deploy hook',
		urlHelp: 'Cloudflare: Workers & Pages → your project → Settings → Builds → Deploy hooks → Add (https://api.cloudflare.com/client/v4/pages/webhooks/deploy_hooks/…)',
		buildHook: true,
		fields: { method: 'POST', content_type: 'application/json', body_template: null, debounce_seconds: BUILD_HOOK_DEBOUNCE_SECONDS },
	},
};

export function isPreset(value: unknown): value is WebhookPreset {
	return typeof value === 'string' && (WEBHOOK_PRESETS as readonly string[]).includes(value);
}

/** The input with the preset's fields filled where the caller gave none; unknown presets are left to validation. */
export function withPreset(input: unknown): unknown {
	if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
	const record = input as Record<string, unknown>;
	if (!isPreset(record.preset)) return input;
	const filled: Record<string, unknown> = { ...record };
	for (const [field, value] of Object.entries(PRESETS[record.preset].fields)) if (filled[field] === undefined) filled[field] = value;
	return filled;
}

/** What the send button says: build hooks deploy. */
export function isBuildHook(preset: unknown): boolean {
	return isPreset(preset) && PRESETS[preset].buildHook;
}
