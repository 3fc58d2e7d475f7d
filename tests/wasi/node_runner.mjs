// node_runner.mjs: runs one wasm32-wasi program under Node's node:wasi, as
// the second opinion for tests/wasi/run.sh.  Same command line and exit
// statuses as wasi_driver:
//   node node_runner.mjs [--dir HOST[::GUEST]] [--env NAME=VALUE] FILE.wasm [ARGS...]
// (--ro-dir is taken as --dir: Node has no read-only preopens.)
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { WASI } from 'node:wasi';

const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let i = 0;
for (; i < argv.length && argv[i].startsWith('--'); i++) {
    const opt = argv[i];
    if (opt === '--dir' || opt === '--ro-dir') {
        const [host, guest] = argv[++i].split('::');
        preopens[guest ?? host] = host;
    } else if (opt === '--env') {
        const kv = argv[++i];
        const eq = kv.indexOf('=');
        env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (opt === '--no-openat2') {
        // faaslet-only
    } else {
        console.error(`node_runner: bad option ${opt}`);
        process.exit(64);
    }
}
const file = argv[i];
const wasi = new WASI({
    version: 'preview1',
    args: [basename(file), ...argv.slice(i + 1)],
    env,
    preopens,
    returnOnExit: true,
});
let status;
try {
    const module = await WebAssembly.compile(readFileSync(file));
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
    status = wasi.start(instance);
} catch (e) {
    console.error(`${file}: trap: ${e.message}`);
    status = 70;
}
process.exitCode = status;
