#include "download/download_error.h"

namespace lowbit::app {

QString redactSecret(QString text, const QString& secret) {
    if (secret.size() < 4) return text;
    text.replace(secret, QStringLiteral("[token hidden]"));
    return text;
}

}  // namespace lowbit::app
