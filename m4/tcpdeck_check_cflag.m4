# TCPDECK_CHECK_CFLAG(FLAG, [ACTION-IF-SUPPORTED], [ACTION-IF-NOT])
# Compiles an empty program with FLAG (and -Werror, so that a compiler which
# only warns about an unknown flag counts as not supporting it).
AC_DEFUN([TCPDECK_CHECK_CFLAG], [
  AS_VAR_PUSHDEF([tcpdeck_cv], [tcpdeck_cv_cflag_$1])
  AC_CACHE_CHECK([whether $CC accepts $1], [tcpdeck_cv], [
    tcpdeck_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -Werror $1"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
      [AS_VAR_SET([tcpdeck_cv], [yes])], [AS_VAR_SET([tcpdeck_cv], [no])])
    CFLAGS=$tcpdeck_save_CFLAGS])
  AS_VAR_IF([tcpdeck_cv], [yes], [$2], [$3])
  AS_VAR_POPDEF([tcpdeck_cv])
])
