// Strict mode: a request must carry the headers, query parameters and top-level body keys the
// endpoint expects, with the JSON types of the sample body. Returns every problem, for the 422.

export interface Expectations {
	expectedHeaders: string[];
	expectedQuery: string[];
	expectedBody: Record<string, unknown> | null;
}

export interface ReceivedData {
	/** Names in lower case. */
	headers: Record<string, string | undefined>;
	query: Record<string, unknown>;
	body: unknown;
}

type JsonType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';

function jsonType(value: unknown): JsonType {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	const type = typeof value;
	return type === 'string' || type === 'number' || type === 'boolean' ? type : 'object';
}

export function unmetExpectations(expected: Expectations, received: ReceivedData): string[] {
	const problems: string[] = [];
	for (const name of expected.expectedHeaders) {
		if (received.headers[name] === undefined) problems.push(`missing header ${name}`);
	}
	for (const name of expected.expectedQuery) {
		if (!Object.hasOwn(received.query, name)) problems.push(`missing query parameter ${name}`);
	}
	const sample = expected.expectedBody;
	if (sample === null || Object.keys(sample).length === 0) return problems;
	const body = received.body;
	if (jsonType(body) !== 'object') {
		problems.push('the body must be a JSON object (or form fields)');
		return problems;
	}
	for (const [key, example] of Object.entries(sample)) {
		if (!Object.hasOwn(body as object, key)) {
			problems.push(`missing body field ${key}`);
			continue;
		}
		// null in the sample means any type.
		const want = jsonType(example);
		const got = jsonType((body as Record<string, unknown>)[key]);
		if (want !== 'null' && got !== want) problems.push(`body field ${key} must be ${want === 'array' || want === 'object' ? 'an' : 'a'} ${want}, not ${got}`);
	}
	return problems;
}
