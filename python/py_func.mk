# python/py_func.mk: read after CPython's own Makefile
#   make -f Makefile -f py_func.mk PYFAASM_SRC=... SDK_INCLUDE=... py_func.wasm
# Links python/py_main.c (main of py_func) with exactly the objects, flags
# and libraries CPython links python.wasm with.  Exports malloc and free
# (the host fills __faasm_await_call_output's buffer through them) and
# _faasm_zygote (run once before _start: CPython initialised for calls).

Programs/py_main.o: $(PYFAASM_SRC)/py_main.c $(SDK_INCLUDE)/faasm/host_interface.h
	$(MAINCC) -c $(PY_CORE_CFLAGS) -I$(SDK_INCLUDE) -o $@ $(PYFAASM_SRC)/py_main.c

py_func.wasm: Programs/py_main.o $(PYFAASM_SRC)/py_func.mk $(LINK_PYTHON_DEPS)
	$(LINKCC) $(PY_CORE_LDFLAGS) $(LINKFORSHARED) -Wl,--strip-debug -Wl,--thinlto-cache-dir=$(abspath lto-cache) \
		-Wl,--export=malloc -Wl,--export=free -Wl,--export=_faasm_zygote \
		-o $@ Programs/py_main.o $(LINK_PYTHON_OBJS) $(LIBS) $(MODLIBS) $(SYSLIBS)

# py_func with extension modules (python/link_extensions.sh):
#   make ... py_func_ext EXT_OUT=FILE EXT_OBJS='inittab.o ext1.a ...' EXT_LIBS='-lc++ ...'
# The same link with the extensions' table and archives before CPython's
# objects, and what the extensions need after its libraries.
.PHONY: py_func_ext
py_func_ext: Programs/py_main.o $(PYFAASM_SRC)/py_func.mk $(LINK_PYTHON_DEPS)
	$(LINKCC) $(PY_CORE_LDFLAGS) $(LINKFORSHARED) -Wl,--strip-debug -Wl,--thinlto-cache-dir=$(abspath lto-cache) \
		-Wl,--export=malloc -Wl,--export=free -Wl,--export=_faasm_zygote \
		-o $(EXT_OUT) Programs/py_main.o $(EXT_OBJS) $(LINK_PYTHON_OBJS) $(LIBS) $(MODLIBS) \
		$(SYSLIBS) $(EXT_LIBS)
