// Ready-to-paste verification code for receivers of outgoing webhooks, shown once with the
// secret. Each sample is built around the real secret as a string literal (never by replacing a
// word in the code: that once turned Python's `SECRET = "SECRET"` into a syntax error). The e2e
// suite runs exactly these texts against a real delivery.

export interface VerificationSample {
	language: string;
	code: string;
}

/** A double-quoted literal that JavaScript and Python read alike (secrets are `whsec_` + base64). */
const quoted = (text: string) => JSON.stringify(text);
/** A single-quoted PHP literal. */
const phpQuoted = (text: string) => `'${text.replace(/[\\']/g, (char) => `\\${char}`)}'`;

const BUILDERS: { language: string; code: (secret: string) => string }[] = [
	{
		language: 'Node.js',
		code: (secret) => `// npm install standardwebhooks
import { Webhook } from 'standardwebhooks';

const wh = new Webhook(${quoted(secret)});
// rawBody: the exact bytes received, as a string
const event = wh.verify(rawBody, {
  'webhook-id': req.headers['webhook-id'],
  'webhook-timestamp': req.headers['webhook-timestamp'],
  'webhook-signature': req.headers['webhook-signature'],
}); // throws if the signature or timestamp is wrong`,
	},
	{
		language: 'Python',
		code: (secret) => `import base64, hashlib, hmac, time

SECRET = ${quoted(secret)}

def verify(headers: dict, raw_body: bytes) -> bool:
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(ts)) > 300:
        return False
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{msg_id}.{ts}.".encode() + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, sig.split(",", 1)[1])
        for sig in headers["webhook-signature"].split(" ")
        if sig.startswith("v1,")
    )`,
	},
	{
		language: 'PHP',
		code: (secret) => `function verify_webhook(array $headers, string $rawBody): bool {
    $secret = ${phpQuoted(secret)};
    $id = $headers['webhook-id']; $ts = $headers['webhook-timestamp'];
    if (abs(time() - (int) $ts) > 300) return false;
    $key = base64_decode(substr($secret, strlen('whsec_')));
    $expected = base64_encode(hash_hmac('sha256', "$id.$ts.$rawBody", $key, true));
    foreach (explode(' ', $headers['webhook-signature']) as $sig) {
        [$version, $value] = array_pad(explode(',', $sig, 2), 2, '');
        if ($version === 'v1' && hash_equals($expected, $value)) return true;
    }
    return false;
}`,
	},
];

/** The samples exactly as the secret dialog shows them. */
export function samplesFor(secret: string): VerificationSample[] {
	return BUILDERS.map((builder) => ({ language: builder.language, code: builder.code(secret) }));
}
