# nls.cmake — message catalogues (included from CMakeLists.txt).
#
# po/<lang>.po is compiled with `msgfmt --check` into
# <build>/locale/<lang>/LC_MESSAGES/ronda.mo at build time (target
# `translations`, part of ALL) and installed under share/locale.  A binary
# run from the build tree finds the build-tree catalogues by itself (see
# src/cli/main.c); RONDA_LOCALEDIR overrides the directory for any binary.
#
# `make update-po` (scripts/update-po) regenerates po/ronda.pot from the
# sources with xgettext and merges it into every po/<lang>.po.
option(RONDA_NLS "build and install message catalogues (needs gettext)" ON)

set(RONDA_BUILD_LOCALEDIR ${CMAKE_BINARY_DIR}/locale)
if(RONDA_NLS)
  find_program(MSGFMT_EXECUTABLE msgfmt)
  if(NOT MSGFMT_EXECUTABLE)
    message(FATAL_ERROR "msgfmt not found: install gettext (scripts/deps) "
                        "or configure with -DRONDA_NLS=OFF")
  endif()
  file(GLOB RONDA_PO_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/po/*.po)
  set(RONDA_MO_FILES "")
  foreach(po ${RONDA_PO_FILES})
    get_filename_component(lang ${po} NAME_WE)
    set(dir ${RONDA_BUILD_LOCALEDIR}/${lang}/LC_MESSAGES)
    add_custom_command(
      OUTPUT ${dir}/ronda.mo
      COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
      COMMAND ${MSGFMT_EXECUTABLE} --check -o ${dir}/ronda.mo ${po}
      DEPENDS ${po}
      COMMENT "compiling message catalogue po/${lang}.po")
    list(APPEND RONDA_MO_FILES ${dir}/ronda.mo)
    install(FILES ${dir}/ronda.mo DESTINATION share/locale/${lang}/LC_MESSAGES)
  endforeach()
  add_custom_target(translations ALL DEPENDS ${RONDA_MO_FILES})
endif()

add_custom_target(update-po
  COMMAND ${CMAKE_SOURCE_DIR}/scripts/update-po
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  COMMENT "regenerating po/ronda.pot and merging po/*.po")
