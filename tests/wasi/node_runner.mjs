// node_runner.mjs: runs one wasm32-wasi program under Node's node:wasi, as
// the second opinion for tests/wasi/run.sh.
//   node node_runner.mjs [--dir HOST[::GUEST]] [--ro-dir HOST[::GUEST]]
//                        [--env NAME=VALUE] FILE.wasm [ARGS...]
// Preopens become fds 3, 4, ... in order.  (--ro-dir is taken as --dir:
// Node has no read-only preopens.)  As under `faaslet run`, argv[0] is the
// function name (FILE's base name without .wasm) and the exit status is the
// guest's (main's return value or proc_exit's), 2 when it traps.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const argv = process.argv.slice(2);
const preopens = {};
// What faaslet gives every function, as Faasm does (src/faaslet/faaslet.c):
// Faasm's variables first, then --env; argv[0] "function.wasm".
const env = {
    MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', PYTHONHASHSEED: '0', PYTHONHOME: '/',
    PYTHONNOUSERSITE: 'on', PYTHONWASM: '1', PYTHON_PATH: '/',
};
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
    } else {
        console.error(`node_runner: bad option ${opt}`);
        process.exit(64);
    }
}
const file = argv[i];
const wasi = new WASI({
    version: 'preview1',
    args: ['function.wasm', ...argv.slice(i + 1)],
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
    status = 2;
}
process.exitCode = status;
