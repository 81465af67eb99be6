#include "demo_script.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QQuickItem>
#include <algorithm>
#include <cstdio>
#include <memory>

#include "studio_controller.h"

namespace lowbit::studio {

DemoScript::DemoScript(ui::StudioController& app, QQuickWindow& window, QString screenshotDir,
                       QObject* parent)
    : QObject(parent), app_(app), window_(window), screenshotDir_(std::move(screenshotDir)) {
    poll_.setInterval(50);
}

bool DemoScript::load(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) {
        std::fprintf(stderr, "lowbit-studio: cannot read the demo script %s: %s\n", qPrintable(path),
                     qPrintable(f.errorString()));
        return false;
    }
    for (const QString& raw : QString::fromUtf8(f.readAll()).split(u'\n')) steps_ << raw.trimmed();
    return true;
}

void DemoScript::start() {
    QTimer::singleShot(0, this, &DemoScript::next);
}

void DemoScript::fail(const QString& message) {
    std::fprintf(stderr, "lowbit-studio: demo script line %d: %s\n", line_, qPrintable(message));
    QCoreApplication::exit(1);
}

namespace {
// Searches the visual tree, which (unlike the QObject tree) holds every page and delegate.
QQuickItem* findInTree(QQuickItem* root, const QString& name) {
    for (QQuickItem* child : root->childItems()) {
        if (child->objectName() == name) return child;
        if (QQuickItem* found = findInTree(child, name)) return found;
    }
    return nullptr;
}
}  // namespace

QObject* DemoScript::findItem(const QString& objectName) const {
    return findInTree(window_.contentItem(), objectName);
}

void DemoScript::waitFor(std::function<bool()> done, int seconds, const QString& what) {
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    poll_.disconnect();
    connect(&poll_, &QTimer::timeout, this, [this, done, seconds, what, timer] {
        if (done()) {
            poll_.stop();
            next();
        } else if (timer->elapsed() > qint64(seconds) * 1000) {
            poll_.stop();
            fail(QStringLiteral("timed out after %1 s waiting for %2").arg(seconds).arg(what));
        }
    });
    poll_.start();
}

void DemoScript::next() {
    while (line_ < steps_.size()) {
        const QString step = steps_[line_++];
        if (step.isEmpty() || step.startsWith(u'#')) continue;
        const QString cmd = step.section(u' ', 0, 0);
        const QString arg = step.section(u' ', 1).trimmed();
        std::fprintf(stderr, "demo: %s\n", qPrintable(step));

        if (cmd == QLatin1String("import")) {
            app_.importAndLoad(arg);
        } else if (cmd == QLatin1String("import-only")) {
            app_.library()->importPath(arg);
        } else if (cmd == QLatin1String("wait-model")) {
            const int s = arg.isEmpty() ? 120 : arg.toInt();
            waitFor(
                [this] {
                    return app_.engine()->ready() ||
                           (!app_.engine()->loading() && !app_.engine()->notice().isEmpty());
                },
                s, QStringLiteral("the model"));
            return;
        } else if (cmd == QLatin1String("new-chat")) {
            app_.chat()->newChat();
        } else if (cmd == QLatin1String("send")) {
            if (!app_.chat()->send(arg))
                return fail(QStringLiteral("could not send: %1").arg(app_.chat()->error()));
        } else if (cmd == QLatin1String("wait-reply")) {
            const int s = arg.isEmpty() ? 300 : arg.toInt();
            waitFor([this] { return !app_.chat()->generating(); }, s, QStringLiteral("the reply"));
            return;
        } else if (cmd == QLatin1String("stop")) {
            app_.chat()->stop();
        } else if (cmd == QLatin1String("regenerate")) {
            if (!app_.chat()->regenerate()) return fail(QStringLiteral("cannot regenerate now"));
        } else if (cmd == QLatin1String("set")) {
            const QString name = arg.section(u' ', 0, 0);
            const QString value = arg.section(u' ', 1);
            if (!app_.chat()->setProperty(name.toUtf8().constData(), value)) {
                return fail(QStringLiteral("unknown chat setting %1").arg(name));
            }
        } else if (cmd == QLatin1String("type")) {
            QObject* input = findItem(QStringLiteral("composerInput"));
            if (!input) return fail(QStringLiteral("no message field"));
            input->setProperty("text", arg);
        } else if (cmd == QLatin1String("page")) {
            window_.setProperty("page", arg);
        } else if (cmd == QLatin1String("convert")) {
            ui::ConvertWizard* w = app_.converter();
            w->setSourcePath(arg.section(u' ', 0, 0));
            w->setTargets(arg.section(u' ', 1).split(u',', Qt::SkipEmptyParts));
            w->setCalibrationMode(QStringLiteral("sample"));
            w->setCalibrationCtx(64);
            w->setCalibrationChunks(4);
            if (!w->start()) return fail(QStringLiteral("cannot convert: %1").arg(w->error()));
        } else if (cmd == QLatin1String("wait-convert")) {
            const int s = arg.isEmpty() ? 300 : arg.toInt();
            waitFor([this] { return !app_.converter()->running(); }, s, QStringLiteral("the conversion"));
            return;
        } else if (cmd == QLatin1String("compare")) {
            // "PATH,PATH,... [WINDOW]": waits for the models' imports, then picks them (each on
            // the CPU) and starts with WINDOW-token windows (64 without).
            QString list = arg;
            int window = 64;
            bool isNumber = false;
            if (const int space = arg.lastIndexOf(u' '); space > 0) {
                const int n = arg.mid(space + 1).toInt(&isNumber);
                if (isNumber && n > 0) {
                    window = n;
                    list = arg.left(space);
                }
            }
            const QStringList paths = list.split(u',', Qt::SkipEmptyParts);
            waitFor(
                [this, paths, window] {
                    if (app_.library()->busy() > 0) return false;
                    QList<qint64> ids;
                    for (const QString& p : paths) {
                        const auto m = app_.storage().models().modelByPath(QFileInfo(p).absoluteFilePath());
                        if (!m) return false;
                        ids << m->id;
                    }
                    ui::CompareViewModel* c = app_.compare();
                    c->clearPicks();
                    for (qint64 id : ids) c->addPick(id);
                    c->setWindowSize(window);
                    c->setMaxWindows(6);
                    return c->start();
                },
                60, QStringLiteral("the models to compare"));
            return;
        } else if (cmd == QLatin1String("compare-prompt")) {
            if (!arg.isEmpty()) app_.compare()->prompt()->setPrompt(arg);
            if (!app_.compare()->startPrompt())
                return fail(
                    QStringLiteral("cannot run the prompt: %1").arg(app_.compare()->prompt()->error()));
        } else if (cmd == QLatin1String("compare-with")) {
            // "previous": the newest saved run other than the one on screen; else a run id.
            ui::CompareViewModel* c = app_.compare();
            qint64 id = arg.toLongLong();
            if (arg == QLatin1String("previous"))
                for (const QVariant& r : c->runs())
                    if (const qint64 rid = r.toMap().value(QStringLiteral("id")).toLongLong();
                        rid != c->runId()) {
                        id = rid;
                        break;
                    }
            if (!c->compareWith(id)) return fail(QStringLiteral("cannot compare with run %1").arg(arg));
        } else if (cmd == QLatin1String("compare-scroll")) {
            QObject* scroller = findItem(QStringLiteral("compareScroller"));
            if (!scroller) return fail(QStringLiteral("no comparison page"));
            // "end": the bottom of the page (the saved runs).
            const double end = std::max(0.0, scroller->property("contentHeight").toDouble() -
                                                 scroller->property("height").toDouble());
            scroller->setProperty("contentY", arg == QLatin1String("end") ? end : arg.toDouble());
        } else if (cmd == QLatin1String("wait-compare")) {
            const int s = arg.isEmpty() ? 300 : arg.toInt();
            waitFor([this] { return !app_.compare()->running() && !app_.compare()->prompt()->running(); }, s,
                    QStringLiteral("the comparison"));
            return;
        } else if (cmd == QLatin1String("wizard-step")) {
            QObject* page = findItem(QStringLiteral("convertPage"));
            if (!page) return fail(QStringLiteral("no conversion page"));
            page->setProperty("step", arg.toInt());
        } else if (cmd == QLatin1String("settings-panel")) {
            QObject* page = findItem(QStringLiteral("chatPage"));
            if (!page) return fail(QStringLiteral("no chat page"));
            page->setProperty("settingsOpen", arg == QLatin1String("on"));
        } else if (cmd == QLatin1String("theme")) {
            app_.settings()->setTheme(arg);
        } else if (cmd == QLatin1String("sleep")) {
            QTimer::singleShot(arg.toInt(), this, &DemoScript::next);
            return;
        } else if (cmd == QLatin1String("screenshot")) {
            // Let bindings, layouts and one frame settle before grabbing.
            QTimer::singleShot(400, this, [this, arg] {
                const QString path =
                    QDir(screenshotDir_.isEmpty() ? QDir::currentPath() : screenshotDir_).filePath(arg);
                const QImage image = window_.grabWindow();
                if (image.isNull() || !image.save(path))
                    return fail(QStringLiteral("could not save %1").arg(path));
                std::fprintf(stderr, "demo: saved %s (%dx%d)\n", qPrintable(path), image.width(),
                             image.height());
                next();
            });
            return;
        } else if (cmd == QLatin1String("quit")) {
            QCoreApplication::exit(arg.toInt());
            return;
        } else {
            return fail(QStringLiteral("unknown step \"%1\"").arg(cmd));
        }
    }
}

}  // namespace lowbit::studio
