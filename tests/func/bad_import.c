/*
 * bad_import: imports a host function nobody provides.  Running it must
 * fail at link time (exit status 3) naming the import.
 */
__attribute__((import_module("env"), import_name("no_such_import"))) void no_such_import(void);

int main(void) {
    no_such_import();
    return 0;
}
