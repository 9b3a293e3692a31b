# Installing adpilot (`cmake --install BUILD [--prefix DIR]`): the CLI, the
# shared library, the public headers, the report's chart libraries, a CMake
# package (find_package(adpilot) gives adpilot::adpilot) and a pkg-config file.
# `make deb` packs the same tree as a Debian package with CPack, its
# dependencies computed from the binaries by dpkg-shlibdeps.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ADPILOT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/adpilot)
install(TARGETS adpilot EXPORT adpilotTargets LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS adpilot_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/adpilot DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# FindReportAssets() looks in <binary's folder>/../share/adpilot.
foreach(asset ${ADPILOT_WEB_ASSETS})
  if(EXISTS ${asset})
    install(FILES ${asset} DESTINATION ${CMAKE_INSTALL_DATADIR}/adpilot)
  endif()
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/docs/calibration.json DESTINATION ${CMAKE_INSTALL_DATADIR}/adpilot)
if(ADPILOT_USE_LITE_FILES)
  install(FILES ${ADPILOT_USE_LITE_FILES} DESTINATION ${CMAKE_INSTALL_DATADIR}/adpilot/use-lite)
endif()
install(EXPORT adpilotTargets NAMESPACE adpilot:: DESTINATION ${ADPILOT_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/adpilotConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/adpilotConfig.cmake INSTALL_DESTINATION ${ADPILOT_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/adpilotConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/adpilotConfig.cmake ${PROJECT_BINARY_DIR}/adpilotConfigVersion.cmake
        DESTINATION ${ADPILOT_CMAKE_DIR})
# The .pc finds its prefix from its own place, so `--prefix` at install time works.
file(RELATIVE_PATH ADPILOT_PC_UP /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
configure_file(${PROJECT_SOURCE_DIR}/cmake/adpilot.pc.in ${PROJECT_BINARY_DIR}/adpilot.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/adpilot.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME adpilot)
set(CPACK_PACKAGE_VENDOR adpilot)
set(CPACK_PACKAGE_CONTACT "adpilot developers <adpilot@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "decide where advertising money goes, and prove the decision was good")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps resolves libadpilot.so.0 from the package being built.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/src)
# The headers need these to compile against (header-only or -dev only).
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nlohmann-json3-dev, libfmt-dev, libspdlog-dev, libeigen3-dev, libtoml11-dev")
include(CPack)
