# sluice_native: see native/src/addon.c. Built by scripts/build-native.sh
# (npm run build:native). Links against the librdkafka shared library that
# @confluentinc/kafka-javascript built (CKJS_LINKING=dynamic), with an
# $ORIGIN-relative rpath, so the process loads one librdkafka for both.
# sluice_dir is this directory; build-native.sh passes it as an absolute path
# so the same file also builds the ASan variant from native/build-asan/.
{
  "variables": {
    "variables": { "sluice_dir%": "." },
    "sluice_dir%": "<(sluice_dir)",
    "rdkafka_src%": "<(sluice_dir)/../node_modules/@confluentinc/kafka-javascript/deps/librdkafka/src",
    "rdkafka_lib%": "<(module_root_dir)/<(sluice_dir)/../node_modules/@confluentinc/kafka-javascript/build/deps",
  },
  "targets": [
    {
      "target_name": "sluice_native",
      "sources": ["<(sluice_dir)/src/addon.c", "<(sluice_dir)/src/batch.c"],
      "include_dirs": ["<(rdkafka_src)"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers", "-Wno-ignored-qualifiers"],
      "libraries": [
        "-L<(rdkafka_lib)",
        "-lrdkafka",
        # native/build*/Release/sluice_native.node -> <repo>/node_modules/...
        "-Wl,-rpath,'$$ORIGIN/../../../node_modules/@confluentinc/kafka-javascript/build/deps'",
      ],
    }
  ]
}
