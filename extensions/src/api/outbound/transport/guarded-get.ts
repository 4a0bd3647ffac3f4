// A small GET through the SSRF guard, shaped like fetch for libraries that take one (jose's JWKS
// fetch): the guard checks every resolved address (and IP literals), redirects are not followed,
// the body is capped, and the caller's AbortSignal bounds the time.
import http from 'node:http';
import https from 'node:https';
import type { SsrfGuard } from './ssrf-guard';

export type GuardedGet = (url: string, options: { headers?: Headers; signal?: AbortSignal }) => Promise<Response>;

export function guardedGet(guard: SsrfGuard, maxBytes: number): GuardedGet {
	return (url, options) =>
		new Promise<Response>((resolve, reject) => {
			const target = new URL(url);
			if (target.protocol !== 'https:' && target.protocol !== 'http:') return reject(new Error(`only http and https URLs can be fetched, not ${target.protocol}`));
			guard.assertUrl(target);
			const client = target.protocol === 'https:' ? https : http;
			const headers = Object.fromEntries(options.headers?.entries() ?? []);
			const request = client.request(target, { method: 'GET', headers, lookup: guard.lookup, signal: options.signal, agent: false }, (response) => {
				const chunks: Buffer[] = [];
				let size = 0;
				response.on('data', (chunk: Buffer) => {
					size += chunk.length;
					if (size > maxBytes) request.destroy(new Error(`the response is larger than ${maxBytes} bytes`));
					else chunks.push(chunk);
				});
				response.on('end', () => {
					const responseHeaders = new Headers();
					for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') responseHeaders.set(name, value);
					resolve(new Response(Buffer.concat(chunks), { status: response.statusCode ?? 502, headers: responseHeaders }));
				});
				response.on('error', reject);
			});
			request.on('error', reject);
			request.end();
		});
}
