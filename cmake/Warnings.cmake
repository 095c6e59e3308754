# Warnings for our own targets only; third-party headers come in as SYSTEM includes.
add_library(hfcache_warnings INTERFACE)
target_compile_options(hfcache_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                       -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                       -Wimplicit-fallthrough)
