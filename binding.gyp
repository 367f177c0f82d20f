{
  "targets": [
    {
      "target_name": "keepup_process",
      "sources": ["src/native/process.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
