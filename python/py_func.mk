# python/py_func.mk: read after CPython's own Makefile
#   make -f Makefile -f py_func.mk PYFAASM_SRC=... SDK_INCLUDE=... py_func.wasm
# Links python/py_main.c (main of py_func) with exactly the objects, flags
# and libraries CPython links python.wasm with.  Exports malloc and free
# (the host fills __faasm_await_call_output's buffer through them) and
# _faasm_zygote (run once before _start: CPython initialised for calls).

Programs/py_main.o: $(PYFAASM_SRC)/py_main.c $(SDK_INCLUDE)/faasm/host_interface.h
	$(MAINCC) -c $(PY_CORE_CFLAGS) -I$(SDK_INCLUDE) -o $@ $(PYFAASM_SRC)/py_main.c

py_func.wasm: Programs/py_main.o $(PYFAASM_SRC)/py_func.mk $(LINK_PYTHON_DEPS)
	$(LINKCC) $(PY_CORE_LDFLAGS) $(LINKFORSHARED) -Wl,--strip-debug \
		-Wl,--export=malloc -Wl,--export=free -Wl,--export=_faasm_zygote \
		-o $@ Programs/py_main.o $(LINK_PYTHON_OBJS) $(LIBS) $(MODLIBS) $(SYSLIBS)
