// Version string of the services layer, shown in the About box and sent as the HTTP User-Agent.
#include <QString>

namespace lowbit::app {
QString version_string() { return QStringLiteral("Lowbit Studio 0.1.0"); }
}  // namespace lowbit::app
