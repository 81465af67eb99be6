// `lowbit devices`: the device list as text and JSON, and the no-driver case (status 0, a reason).
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include "lowbit/vulkan.h"

namespace {

struct Run {
    int status;
    QString out, err;
};

Run run_cli(const QStringList& args,
            const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(LOWBIT_CLI), args);
    if (!p.waitForFinished(60000)) return {-1, {}, "timeout"};
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace

class TestVulkanCli : public QObject {
    Q_OBJECT
  private slots:
    void devices_json() {
        const Run r = run_cli({"devices", "--json"});
        QCOMPARE(r.status, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QVERIFY(o.value("cpu").toObject().value("logical_cpus").toInt() > 0);
        const QJsonArray list = o.value("vulkan").toArray();
        const auto q = lowbit::vulkan::query_devices();
        QCOMPARE(list.size(), static_cast<qsizetype>(q.devices.size()));
        if (list.isEmpty()) {
            QVERIFY(!o.value("vulkan_error").toString().isEmpty());
            QVERIFY(o.value("default_vulkan").isNull());
            return;
        }
        for (int i = 0; i < list.size(); ++i) {
            const QJsonObject d = list[i].toObject();
            QCOMPARE(d.value("device").toString(), QString("vulkan:%1").arg(i));
            QCOMPARE(d.value("name").toString().toStdString(), q.devices[static_cast<size_t>(i)].name);
            QVERIFY(d.value("heaps").toArray().size() > 0);
            QVERIFY(d.value("features").toObject().contains("int_dot_product"));
            QVERIFY(d.value("max_storage_buffer_range").toDouble() > 0);
        }
        QCOMPARE(o.value("default_vulkan").toString(), QString("vulkan:0"));  // ranked: usable first
    }

    void devices_text() {
        const Run r = run_cli({"devices"});
        QCOMPARE(r.status, 0);
        QVERIFY(r.out.startsWith("cpu "));
        QVERIFY(r.out.contains("vulkan"));
    }

    void devices_without_driver() {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("VK_DRIVER_FILES", "/nonexistent/lowbit-no-driver.json");
        env.insert("VK_ICD_FILENAMES", "/nonexistent/lowbit-no-driver.json");
        const Run r = run_cli({"devices"}, env);
        QCOMPARE(r.status, 0);
        QVERIFY2(r.out.contains("vulkan     none: no Vulkan driver"), qPrintable(r.out));
    }

    void rejects_unknown_options() {
        const Run r = run_cli({"devices", "--frobnicate"});
        QCOMPARE(r.status, 2);
        QVERIFY(r.err.contains("frobnicate"));
    }
};

QTEST_GUILESS_MAIN(TestVulkanCli)
#include "test_vulkan_cli.moc"
