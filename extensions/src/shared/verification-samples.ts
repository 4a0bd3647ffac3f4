// Ready-to-paste verification code for receivers of outgoing webhooks, shown once with the
// secret (the README carries the same samples). `SECRET` is replaced with the real secret.

export const VERIFICATION_SAMPLES: { language: string; code: string }[] = [
	{
		language: 'Node.js',
		code: `// npm install standardwebhooks
import { Webhook } from 'standardwebhooks';

const wh = new Webhook('SECRET');
// rawBody: the exact bytes received, as a string
const event = wh.verify(rawBody, {
  'webhook-id': req.headers['webhook-id'],
  'webhook-timestamp': req.headers['webhook-timestamp'],
  'webhook-signature': req.headers['webhook-signature'],
}); // throws if the signature or timestamp is wrong`,
	},
	{
		language: 'Python',
		code: `import base64, hashlib, hmac, time

SECRET = "SECRET"

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
		code: `function verify_webhook(array $headers, string $rawBody): bool {
    $secret = 'SECRET';
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

export function samplesFor(secret: string): { language: string; code: string }[] {
	return VERIFICATION_SAMPLES.map((sample) => ({ ...sample, code: sample.code.replaceAll('SECRET', secret) }));
}
