// The real window, offscreen, with the real engine on a synthetic model, driven the way a
// person would: mouse clicks on the buttons and typing in the fields. Import a model from the
// library page, load it, create a chat, send a prompt, watch the reply stream, stop it with
// Esc, regenerate, then restart the app on the same data folder and find the chat intact.
// (Random weights: the text is gibberish, which is fine; what it proves is the plumbing.)
#include <QApplication>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/QQmlExtensionPlugin>

#include "studio_controller.h"
#include "studio_window.h"
#include "test_data.h"

Q_IMPORT_QML_PLUGIN(LowbitStudioPlugin)

using namespace lowbit::ui;

namespace {

// Types ASCII text into the focused item (QTest::keyClicks takes widgets only).
void typeText(QWindow* window, const QString& text) {
    for (QChar c : text) QTest::keyClick(window, c.toLatin1());
}

// One app instance: controller (with the real engine), QML engine and window.
struct Studio {
    std::unique_ptr<StudioController> app;
    std::unique_ptr<QQmlApplicationEngine> qml;
    QQuickWindow* window = nullptr;

    bool start(const QString& dataDir) {
        StudioOptions o;
        o.dataDir = dataDir;
        app = std::make_unique<StudioController>(o);
        qml = std::make_unique<QQmlApplicationEngine>();
        window = loadStudioWindow(*qml, *app);
        if (!window) return false;
        window->resize(1280, 820);
        window->show();
        window->requestActivate();
        return QTest::qWaitForWindowExposed(window) && QTest::qWaitForWindowActive(window);
    }
    void stop() {
        qml.reset();  // the window goes first, then the view models and the engine thread
        app.reset();
        window = nullptr;
    }

    // Items by objectName in the visual tree (which, unlike the QObject tree, holds the
    // delegates of views and repeaters and the popups' contents).
    static void collect(QQuickItem* root, const QString& name, QList<QQuickItem*>& out) {
        for (QQuickItem* child : root->childItems()) {
            if (child->objectName() == name) out << child;
            collect(child, name, out);
        }
    }
    QList<QQuickItem*> items(const QString& objectName, QQuickItem* root = nullptr) const {
        QList<QQuickItem*> out;
        collect(root ? root : window->contentItem(), objectName, out);
        return out;
    }
    QQuickItem* item(const QString& objectName) const {
        const auto all = items(objectName);
        return all.isEmpty() ? nullptr : all.first();
    }
    // The visible item with this name (pages and delegates may leave hidden twins).
    QQuickItem* visibleItem(const QString& objectName) const {
        for (QQuickItem* i : items(objectName)) {
            if (i->isVisible() && i->width() > 0) return i;
        }
        return nullptr;
    }
    bool click(const QString& objectName) const {
        QQuickItem* i = visibleItem(objectName);
        if (!i || !i->isEnabled()) return false;
        const QPointF center = i->mapToScene(QPointF(i->width() / 2, i->height() / 2));
        QTest::mouseClick(window, Qt::LeftButton, Qt::NoModifier, center.toPoint());
        return true;
    }
    // The text shown in the message at `row`: the concatenated Markdown blocks of a reply.
    QString shownReply(int row) const {
        QQuickItem* message = visibleItem(QStringLiteral("message_%1").arg(row));
        if (!message) return {};
        QString text;
        for (QQuickItem* t : items(QStringLiteral("replyText"), message)) {
            text += t->property("text").toString();
        }
        return text;
    }
};

}  // namespace

class TestStudioUi : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        if (!lowbit::app::createLowbitEngine())
            QFAIL("this build has no lowbit engine: the tests need it (configure with the core engine)");
    }

    void chatStopRegenerateRestart() {
        QTemporaryDir dir;
        QString finalReply;
        qint64 chatId = 0;
        {
            Studio s;
            QVERIFY(s.start(dir.path()));
            // A long context so a reply runs long enough to be stopped by hand.
            s.app->settings()->setContextLength(2048);

            // Library page: import (what the file dialog and drag-and-drop hand over), then Load.
            QVERIFY(s.click(QStringLiteral("nav_library")));
            QCOMPARE(s.window->property("page").toString(), QStringLiteral("library"));
            s.app->library()->importPath(
                QString::fromStdString(lowbit::test::model_path("random-llama-spm-TQ2_0-f16emb.gguf")));
            QTRY_COMPARE_WITH_TIMEOUT(s.app->library()->count(), 1, 20'000);
            QTRY_VERIFY_WITH_TIMEOUT(s.visibleItem(QStringLiteral("loadModelButton")) != nullptr, 5'000);
            QVERIFY(s.click(QStringLiteral("loadModelButton")));
            QTRY_VERIFY_WITH_TIMEOUT(s.app->engine()->ready(), 30'000);

            // Chat page, new chat, type and send with Enter.
            QVERIFY(s.click(QStringLiteral("nav_chat")));
            QVERIFY(s.click(QStringLiteral("newChatButton")));
            QVERIFY(s.click(QStringLiteral("composerInput")));
            QQuickItem* input = s.visibleItem(QStringLiteral("composerInput"));
            QTRY_VERIFY(input->hasActiveFocus());
            typeText(s.window, QStringLiteral("Tell me a long story"));
            QCOMPARE(input->property("text").toString(), QStringLiteral("Tell me a long story"));
            // Shift+Enter adds a line instead of sending.
            QTest::keyClick(s.window, Qt::Key_Return, Qt::ShiftModifier);
            QVERIFY(input->property("text").toString().contains(u'\n'));
            QTest::keyClick(s.window, Qt::Key_Backspace);
            QTest::keyClick(s.window, Qt::Key_Return);
            QTRY_VERIFY_WITH_TIMEOUT(s.app->chat()->generating(), 5'000);
            QCOMPARE(input->property("text").toString(), QString());
            chatId = s.app->chat()->chatId();
            QVERIFY(chatId > 0);

            // Streamed text shows up in the window while the model is still writing.
            QTRY_VERIFY_WITH_TIMEOUT(!s.shownReply(1).isEmpty(), 20'000);
            QVERIFY(s.app->chat()->generating());
            QVERIFY(s.visibleItem(QStringLiteral("stopButton")) != nullptr);

            // Esc stops it; the text so far stays and the reply is marked stopped.
            QTest::keyClick(s.window, Qt::Key_Escape);
            QTRY_VERIFY_WITH_TIMEOUT(!s.app->chat()->generating(), 20'000);
            const auto& msgs = s.app->chat()->messages()->messages();
            QCOMPARE(msgs.size(), 2);
            QCOMPARE(msgs[1].state, lowbit::app::MessageState::Stopped);
            QVERIFY(!msgs[1].text.isEmpty());
            QCOMPARE(msgs[1].stopReason, lowbit::app::stop_reason::kStopped);
            const qint64 stoppedId = msgs[1].id;

            // A short limit, set in the chat settings panel, then Regenerate.
            QVERIFY(s.click(QStringLiteral("chatSettingsButton")));
            QTRY_VERIFY(s.visibleItem(QStringLiteral("maxTokensField")) != nullptr);
            QQuickItem* maxField = s.visibleItem(QStringLiteral("maxTokensField"));
            QTRY_VERIFY(maxField->width() > 0 && maxField->mapToScene({0, 0}).y() > 0);
            // The panel lays itself out over a few frames after it opens: click until the field
            // has focus (a click on a moving target may land beside it).
            for (int attempt = 0; attempt < 10 && !maxField->hasActiveFocus(); ++attempt) {
                QVERIFY(s.click(QStringLiteral("maxTokensField")));
                static_cast<void>(QTest::qWaitFor([&] { return maxField->hasActiveFocus(); }, 200));
            }
            QVERIFY(maxField->hasActiveFocus());
            QTest::keyClick(s.window, Qt::Key_A, Qt::ControlModifier);
            typeText(s.window, QStringLiteral("24"));
            QTest::keyClick(s.window, Qt::Key_Return);
            QTRY_COMPARE(s.app->chat()->maxTokens(), 24);

            QVERIFY(s.click(QStringLiteral("regenerateButton")));
            QTRY_VERIFY_WITH_TIMEOUT(s.app->chat()->generating(), 5'000);
            QTRY_VERIFY_WITH_TIMEOUT(!s.app->chat()->generating(), 60'000);
            const auto& after = s.app->chat()->messages()->messages();
            QCOMPARE(after.size(), 2);
            Q_UNUSED(stoppedId);
            QVERIFY(after[1].state == lowbit::app::MessageState::Complete);
            QVERIFY(after[1].completionTokens > 0 && after[1].completionTokens <= 24);
            finalReply = after[1].text;
            QTRY_COMPARE(s.shownReply(1).isEmpty(), finalReply.trimmed().isEmpty());
            // The status line shows the speed and the context in use.
            QVERIFY(s.visibleItem(QStringLiteral("statusSpeed")) != nullptr);
            QVERIFY(s.item(QStringLiteral("statusContext"))
                        ->property("text")
                        .toString()
                        .contains(QStringLiteral("/ 2048")));
            s.stop();
        }

        // Restart on the same data folder: the chat, its reply and the model are all there.
        Studio s;
        QVERIFY(s.start(dir.path()));
        QTRY_VERIFY_WITH_TIMEOUT(s.app->engine()->ready(), 30'000);  // the last model loads by itself
        QTRY_VERIFY_WITH_TIMEOUT(s.visibleItem(QStringLiteral("chatRow_0")) != nullptr, 5'000);
        QVERIFY(s.click(QStringLiteral("chatRow_0")));
        QTRY_COMPARE(s.app->chat()->chatId(), chatId);
        const auto& msgs = s.app->chat()->messages()->messages();
        QCOMPARE(msgs.size(), 2);
        QCOMPARE(msgs[0].text, QStringLiteral("Tell me a long story"));
        QCOMPARE(msgs[1].text, finalReply);
        QCOMPARE(msgs[1].state, lowbit::app::MessageState::Complete);
        QCOMPARE(s.app->chat()->maxTokens(), 24);
        QCOMPARE(s.app->chat()->title(), QStringLiteral("Tell me a long story"));
        s.stop();
    }

    // Ctrl+N opens a new chat from anywhere; the theme switch on the rail flips the theme.
    void shortcutsAndTheme() {
        QTemporaryDir dir;
        Studio s;
        QVERIFY(s.start(dir.path()));
        QVERIFY(s.click(QStringLiteral("nav_settings")));
        QCOMPARE(s.window->property("page").toString(), QStringLiteral("settings"));
        QTest::keyClick(s.window, Qt::Key_N, Qt::ControlModifier);
        QCOMPARE(s.window->property("page").toString(), QStringLiteral("chat"));
        const QString before = s.app->settings()->theme();
        QTest::keyClick(s.window, Qt::Key_L, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(s.app->settings()->theme() != before);
        s.stop();
    }
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QQuickStyle::setStyle(QStringLiteral("Basic"));
    TestStudioUi test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "test_studio_ui.moc"
