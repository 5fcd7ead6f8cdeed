// main() for tests that run a server in-process: the test's thread gets the same event
// dispatcher as confab-server (epoll), so every protocol test also exercises it.
// CONFAB_EVENT_DISPATCHER=qt runs them on Qt's own instead.
#pragma once

#include "epolldispatcher.h"

#include <QCoreApplication>
#include <QTest>

#define CONFAB_SERVER_TEST_MAIN(TestObject)                                                        \
    int main(int argc, char *argv[])                                                               \
    {                                                                                              \
        if (confab::epollDispatcherWanted())                                                       \
            QCoreApplication::setEventDispatcher(new confab::EpollEventDispatcher);                \
        QCoreApplication app(argc, argv);                                                          \
        app.setAttribute(Qt::AA_Use96Dpi, true);                                                   \
        TestObject tc;                                                                             \
        QTEST_SET_MAIN_SOURCE_PATH                                                                 \
        return QTest::qExec(&tc, argc, argv);                                                      \
    }
