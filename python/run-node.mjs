// python/run-node.mjs: runs py_func.wasm under Node's node:wasi, as a second
// opinion until faaslet's own WASI and Faasm host are there.
//
//   node python/run-node.mjs [options] MODULE.wasm [ARGS...]
//     --root DIR          preopen DIR at the guest's "/" (the runtime root)
//     --dir GUEST=HOST    another preopen
//     --env K=V           an environment variable (PYTHONHOME=/ etc. are set)
//     --py USER/FUNC      host gives a Python user and function (Faasm mode)
//     --entry NAME        and an entry point
//     --input TEXT        the call's input
//
// env.__faasm_* imports are stubs good enough for one call: input, output
// (printed after the run as "output: ..." on stderr), the Python names,
// state in a Map.  Chaining is refused (it needs the real executor).
// Exit status: the guest's.
import { WASI } from 'node:wasi';
import fs from 'node:fs';
import process from 'node:process';

const argv = process.argv.slice(2);
const preopens = {};
const env = {
    PYTHONHOME: '/', PYTHONHASHSEED: '0', PYTHONNOUSERSITE: 'on', PYTHONWASM: '1',
};
let pyUser = '', pyFunc = '', pyEntry = '', input = Buffer.alloc(0);
while (argv.length && argv[0].startsWith('--')) {
    const opt = argv.shift();
    if (opt === '--') break;
    const val = argv.shift();
    if (val === undefined) throw new Error(`${opt} needs a value`);
    if (opt === '--root') preopens['/'] = val;
    else if (opt === '--dir') { const i = val.indexOf('='); preopens[val.slice(0, i)] = val.slice(i + 1); }
    else if (opt === '--env') { const i = val.indexOf('='); env[val.slice(0, i)] = val.slice(i + 1); }
    else if (opt === '--py') [pyUser, pyFunc] = val.split('/');
    else if (opt === '--entry') pyEntry = val;
    else if (opt === '--input') input = Buffer.from(val);
    else throw new Error(`unknown option ${opt}`);
}
const file = argv.shift();
// returnOnExit: false, proc_exit ends node at once: unwinding a deep wasm
// stack back into JS (returnOnExit: true) crashes node 20 now and then.
const wasi = new WASI({ version: 'preview1', args: ['python3.11', ...argv], env, preopens,
                        returnOnExit: false });
const mod = await WebAssembly.compile(fs.readFileSync(file));

let inst;
const mem = () => new Uint8Array(inst.exports.memory.buffer);
const dv = () => new DataView(inst.exports.memory.buffer);
const cstr = (p) => { const m = mem(); let e = p; while (m[e]) e++; return Buffer.from(m.subarray(p, e)).toString(); };
const bytes = (p, n) => Buffer.from(mem().subarray(p, p + n));
const putName = (s) => (buf, len) => {
    const b = Buffer.from(s + '\0'); mem().set(b.subarray(0, Math.min(len, b.length)), buf);
};
const state = new Map();
const get = (k) => state.get(k) || Buffer.alloc(0);
let output = null;
const impl = {
    __faasm_read_input: (buf, len) => {
        if (len === 0) return input.length;
        const n = Math.min(len, input.length); mem().set(input.subarray(0, n), buf); return n;
    },
    __faasm_write_output: (p, n) => { output = bytes(p, n); },
    __faasm_get_py_user: putName(pyUser),
    __faasm_get_py_func: putName(pyFunc),
    __faasm_get_py_entry: putName(pyEntry),
    __faasm_read_state: (k, buf, len) => {
        const v = get(cstr(k)); if (len === 0) return v.length;
        const n = Math.min(len, v.length); mem().set(v.subarray(0, n), buf); return n;
    },
    __faasm_write_state: (k, p, n) => { state.set(cstr(k), bytes(p, n)); },
    __faasm_write_state_offset: (k, total, off, p, n) => {
        const key = cstr(k); const v = Buffer.alloc(Math.max(total, get(key).length));
        get(key).copy(v); bytes(p, n).copy(v, off); state.set(key, v);
    },
    __faasm_read_state_offset: (k, total, off, buf, n) => { mem().set(get(cstr(k)).subarray(off, off + n), buf); },
    __faasm_append_state: (k, p, n) => { const key = cstr(k); state.set(key, Buffer.concat([get(key), bytes(p, n)])); },
    __faasm_read_appended_state: (k, buf, len, nElems) => { mem().set(get(cstr(k)).subarray(0, len), buf); },
    __faasm_clear_appended_state: (k) => { state.delete(cstr(k)); },
    __faasm_conf_flag: (k) => (cstr(k) === 'ALWAYS_ON' ? 1 : 0),
};
const env_imports = {};
for (const imp of WebAssembly.Module.imports(mod)) {
    if (imp.module !== 'env') continue;
    // push/pull/locks/dirty flags: nothing to do with one local tier
    env_imports[imp.name] = impl[imp.name] || ((...a) => {
        if (/chain|await/.test(imp.name)) throw new Error(`${imp.name}: no chaining under node`);
        return 0;
    });
}
inst = await WebAssembly.instantiate(mod, { wasi_snapshot_preview1: wasi.wasiImport, env: env_imports });
process.on('exit', () => {
    if (output !== null) process.stderr.write(`output: ${output.toString('latin1')}\n`);
});
wasi.start(inst);
