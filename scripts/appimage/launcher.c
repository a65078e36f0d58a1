/* Stand-in for the linuxdeploy AppImage that Tauri's AppImage bundler runs (see prepare-tools.sh).
 * Tauri copies it and zeroes bytes 8-10 (the AppImage magic), so it must be an ELF file, not a script:
 * this one only hands its arguments to linuxdeploy.sh, whose path is compiled in. */
#include <stdio.h>
#include <unistd.h>

#ifndef SCRIPT
#error "build with -DSCRIPT='\"/abs/path/linuxdeploy.sh\"'"
#endif

int main(int argc, char **argv) {
    char *args[argc + 2];
    args[0] = "bash";
    args[1] = SCRIPT;
    for (int i = 1; i < argc; i++) args[i + 1] = argv[i];
    args[argc + 1] = NULL;
    execv("/bin/bash", args);
    perror("linuxdeploy stand-in: exec /bin/bash");
    return 127;
}
