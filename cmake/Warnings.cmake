# Warnings live in one interface target that our own code links privately,
# so third-party headers are not held to them.
add_library(qail_warnings INTERFACE)
target_compile_options(qail_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Woverloaded-virtual -Wold-style-cast
  # designated initializers that rely on member defaults are intended
  -Wno-missing-field-initializers)
if(QAIL_WERROR)
  target_compile_options(qail_warnings INTERFACE -Werror)
endif()
