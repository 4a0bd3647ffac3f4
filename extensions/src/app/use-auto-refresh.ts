// Refreshes a view on a timer while what it shows is about to change, and stops with the component.
import { onBeforeUnmount, toValue, watch, type MaybeRefOrGetter } from 'vue';

export const AUTO_REFRESH_MS = 2_000;

export function useAutoRefresh(active: MaybeRefOrGetter<boolean>, refresh: () => Promise<void>, intervalMs = AUTO_REFRESH_MS): void {
	let timer: ReturnType<typeof setTimeout> | null = null;
	let stopped = false;

	function stop(): void {
		if (timer) clearTimeout(timer);
		timer = null;
	}

	function schedule(): void {
		if (timer || stopped) return;
		timer = setTimeout(async () => {
			try {
				// A hidden tab does not poll; it catches up on the next tick after it shows again.
				if (typeof document === 'undefined' || document.visibilityState !== 'hidden') await refresh();
			} finally {
				timer = null;
				if (toValue(active)) schedule();
			}
		}, intervalMs);
	}

	watch(() => toValue(active), (on) => (on ? schedule() : stop()), { immediate: true });
	onBeforeUnmount(() => {
		stopped = true;
		stop();
	});
}
