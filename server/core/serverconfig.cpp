#include "serverconfig.h"

#include <QStandardPaths>

namespace confab {

QString defaultDataDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
           + QStringLiteral("/confab");
}

} // namespace confab
