// What the app remembers between runs: the window's geometry and the chosen theme come back in
// a new Preferences (a new run), in a settings file of the test's own.
#include "preferences.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using confab::client::Preferences;

class TestPreferences : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("XDG_CONFIG_HOME", m_dir.path().toUtf8()); // before the first QSettings
        QCoreApplication::setOrganizationName(QStringLiteral("ConfabTest"));
        QCoreApplication::setApplicationName(QStringLiteral("preferences"));
    }

    void windowGeometryIsRemembered()
    {
        {
            Preferences first;
            QVERIFY(first.windowGeometry().isEmpty());
            QSignalSpy changed(&first, &Preferences::windowGeometryChanged);
            first.setWindowGeometry({10, 20, 900, 640});
            first.setWindowGeometry({10, 20, 900, 640}); // unchanged: no signal
            QCOMPARE(changed.count(), 1);
        }
        Preferences next;
        QCOMPARE(next.windowGeometry(), (QVariantList{10, 20, 900, 640}));
    }

    void themeIsRemembered()
    {
        {
            Preferences first;
            QCOMPARE(first.theme(), QString());
            first.setTheme(QStringLiteral("dark"));
        }
        QCOMPARE(Preferences().theme(), QStringLiteral("dark"));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestPreferences)
#include "tst_preferences.moc"
