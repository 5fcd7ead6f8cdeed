// confab-server: the headless Confab server. Everything is in the core library.
#include "servermain.h"

int main(int argc, char *argv[])
{
    return confab::serverMain(argc, argv, "confab-server");
}
