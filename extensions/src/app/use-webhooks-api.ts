// API calls from the module and the panel: failures become Directus notices, never silent.
import { useApi, useStores } from '@directus/extensions-sdk';
import { TEXTS } from './texts';

/** The message of a Directus error response, or of any other failure. */
export function errorMessage(error: unknown): string {
	const response = (error as { response?: { data?: { errors?: { message?: string }[] } } })?.response;
	return response?.data?.errors?.[0]?.message ?? (error instanceof Error ? error.message : String(error));
}

export function useWebhooksApi() {
	const api = useApi();
	const { useNotificationsStore } = useStores();
	const notifications = useNotificationsStore();

	function notify(title: string, type: 'success' | 'error' = 'success'): void {
		notifications.add({ title, type, dialog: false });
	}

	/** The response's `data`, or null after showing the error. */
	async function call<T>(request: () => Promise<{ data: { data: T } | null }>, success?: string): Promise<T | null> {
		try {
			const response = await request();
			if (success) notify(success);
			return (response.data?.data ?? null) as T | null;
		} catch (error) {
			notify(errorMessage(error), 'error');
			return null;
		}
	}

	/** True when the request succeeded (for calls without a body worth reading, like deletes). */
	async function run(request: () => Promise<unknown>, success?: string): Promise<boolean> {
		try {
			await request();
			if (success) notify(success);
			return true;
		} catch (error) {
			notify(errorMessage(error), 'error');
			return false;
		}
	}

	async function copy(text: string): Promise<void> {
		await copyText(text);
		notify(TEXTS.copied);
	}

	return { api, call, run, notify, copy };
}

export async function copyText(text: string): Promise<void> {
	try {
		await navigator.clipboard.writeText(text);
	} catch {
		// Clipboard API unavailable (insecure origin): the selection fallback still works there.
		const area = document.createElement('textarea');
		area.value = text;
		document.body.append(area);
		area.select();
		document.execCommand('copy');
		area.remove();
	}
}
