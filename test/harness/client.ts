// A minimal HTTP client for the e2e tests: real requests, nothing mocked.
export interface ApiResponse<T = any> {
	status: number;
	headers: Headers;
	body: T;
}

export class ApiClient {
	readonly baseUrl: string;
	private readonly token: string | null;

	constructor(baseUrl: string, token: string | null) {
		this.baseUrl = baseUrl;
		this.token = token;
	}

	withToken(token: string | null): ApiClient {
		return new ApiClient(this.baseUrl, token);
	}

	async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
		const response = await fetch(`${this.baseUrl}${path}`, {
			method,
			headers: {
				...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
				...headers,
			},
			body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
		});
		const text = await response.text();
		let parsed: unknown = text;
		try {
			parsed = text ? JSON.parse(text) : null;
		} catch {
			// not JSON: keep the text
		}
		return { status: response.status, headers: response.headers, body: parsed as T };
	}

	/** Creates a plain collection: an auto-increment id plus the given fields ({ name: type }). */
	async createCollection(collection: string, fields: Record<string, string>): Promise<void> {
		const response = await this.post('/collections', {
			collection,
			schema: {},
			meta: {},
			fields: [
				{ field: 'id', type: 'integer', schema: { is_primary_key: true, has_auto_increment: true }, meta: { hidden: true } },
				...Object.entries(fields).map(([field, type]) => ({ field, type, schema: {}, meta: type === 'json' ? { special: ['cast-json'] } : {} })),
			],
		});
		if (response.status !== 200) throw new Error(`creating ${collection} failed: ${JSON.stringify(response.body)}`);
	}

	/** Deletes every webhook and endpoint (with its stored requests), then the collection: a browser file's cleanup. */
	async deleteEverything(collection: string): Promise<void> {
		const hooks = await this.get('/webhooks?fields=id&limit=-1');
		const ids = (hooks.body.data ?? []).map((hook: { id: number }) => hook.id);
		if (ids.length > 0) await this.delete('/webhooks', ids);
		const endpoints = await this.get('/webhooks/endpoints?fields=id&limit=-1');
		for (const endpoint of endpoints.body.data ?? []) await this.delete(`/webhooks/endpoints/${endpoint.id}?drop_collection=true`);
		await this.delete(`/collections/${collection}`);
	}

	get<T = any>(path: string) {
		return this.request<T>('GET', path);
	}
	post<T = any>(path: string, body?: unknown) {
		return this.request<T>('POST', path, body);
	}
	patch<T = any>(path: string, body?: unknown) {
		return this.request<T>('PATCH', path, body);
	}
	delete<T = any>(path: string, body?: unknown) {
		return this.request<T>('DELETE', path, body);
	}
}
