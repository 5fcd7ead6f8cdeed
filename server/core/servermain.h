// The whole headless server program: options, config, logging, signals, the event loop.
// confab-server's main() and `confab --headless` both call it.
#pragma once

namespace confab {

// Returns the process exit code: 0 after a clean stop, 1 when the server cannot start,
// 2 for a bad option or setting.
int serverMain(int argc, char *argv[], const char *programName);

} // namespace confab
