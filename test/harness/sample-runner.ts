// Runs a verification sample exactly as the secret dialog shows it, as a real program (node,
// python3, php) fed one received delivery: exit 0 means the sample accepted it.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './directus.ts';

const run = promisify(execFile);
// Inside the project, so the Node sample's `import 'standardwebhooks'` resolves from node_modules.
const SCRATCH = join(ROOT, 'test', '.scratch', 'samples');

export interface Delivery {
	headers: Record<string, string>;
	body: string;
}

/** What each language needs around the sample: the request it reads, and an exit status from its verdict. */
const PROGRAMS: Record<string, { file: string; command: string; program: (code: string) => string }> = {
	'Node.js': {
		file: 'verify.mjs',
		command: 'node',
		// The sample reads `req.headers` and `rawBody`; it throws when the delivery does not verify.
		program: (code) => `import { readFileSync } from 'node:fs';\nconst input = JSON.parse(readFileSync(process.argv[2], 'utf8'));\nconst req = { headers: input.headers };\nconst rawBody = input.body;\n${code}\nconsole.log('verified', JSON.stringify(event).length);\n`,
	},
	Python: {
		file: 'verify.py',
		command: 'python3',
		program: (code) => `${code}\n\nimport json, sys\ninput = json.load(open(sys.argv[1], encoding="utf-8"))\nsys.exit(0 if verify(input["headers"], input["body"].encode("utf-8")) else 1)\n`,
	},
	PHP: {
		file: 'verify.php',
		command: 'php',
		program: (code) => `<?php\n${code}\n$input = json_decode(file_get_contents($argv[1]), true);\nexit(verify_webhook($input['headers'], $input['body']) ? 0 : 1);\n`,
	},
};

export async function runSample(language: string, code: string, delivery: Delivery): Promise<{ exitCode: number; output: string }> {
	const spec = PROGRAMS[language];
	if (!spec) throw new Error(`no runner for ${language}`);
	const dir = join(SCRATCH, `${language.replace(/\W/g, '')}-${process.pid}-${Date.now()}`);
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, spec.file), spec.program(code));
	writeFileSync(join(dir, 'delivery.json'), JSON.stringify(delivery));
	try {
		const { stdout, stderr } = await run(spec.command, [join(dir, spec.file), join(dir, 'delivery.json')], { cwd: dir, timeout: 20_000 });
		return { exitCode: 0, output: stdout + stderr };
	} catch (error) {
		const failed = error as { code?: number; stdout?: string; stderr?: string };
		return { exitCode: typeof failed.code === 'number' ? failed.code : -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
	}
}
