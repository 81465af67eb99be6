#include "test_data.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTest>
#include <fstream>
#include <sstream>

namespace lowbit::test {

QString shared_dir() {
    QString dir = qEnvironmentVariable("LOWBIT_SHARED_DIR", QStringLiteral(LOWBIT_DEFAULT_SHARED_DIR));
    if (dir.isEmpty() || !QFileInfo(dir + "/models").isDir()) {
        qFatal("test data folder not found (LOWBIT_SHARED_DIR='%s'); it must be ../shared beside the checkout",
               qPrintable(dir));
    }
    return dir;
}

std::string shared_path(const QString& relative) {
    const QString p = shared_dir() + "/" + relative;
    if (!QFileInfo::exists(p)) qFatal("missing test data file %s", qPrintable(p));
    return p.toStdString();
}

std::string model_path(const QString& file_name) { return shared_path("models/synthetic/" + file_name); }

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

}  // namespace lowbit::test
