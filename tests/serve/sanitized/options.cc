// Sanitizer defaults of test_serve_sanitized, compiled into the binary so that
// ctest and a manual run behave the same. container-overflow checks need every
// user of a vector instrumented and the stages linked in are not; everything
// else in ASan (with leak checking) and UBSan stays on, and UBSan stops the
// test at its first report.
extern "C" __attribute__((used, visibility("default"))) const char* __asan_default_options() {
  return "detect_container_overflow=0:detect_leaks=1";
}
extern "C" __attribute__((used, visibility("default"))) const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1";
}
