// The real window, offscreen, with the real engine on a synthetic model, driven the way a
// person would: mouse clicks on the buttons and typing in the fields. Import a model from the
// library page, load it, create a chat, send a prompt, watch the reply stream, stop it with
// Esc, regenerate, then restart the app on the same data folder and find the chat intact.
// (Random weights: the text is gibberish, which is fine; what it proves is the plumbing.)
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QQuickItem>
#include <QQuickStyle>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/QQmlExtensionPlugin>

#include "studio_controller.h"
#include "studio_harness.h"
#include "test_data.h"

Q_IMPORT_QML_PLUGIN(LowbitStudioPlugin)

using namespace lowbit::ui;

namespace {

// One app instance on `dataDir`, with the last used model loading by itself.
bool startStudio(lowbit::test::StudioHarness& s, const QString& dataDir) {
    StudioOptions o;
    o.dataDir = dataDir;
    return s.start(o, {1280, 820});
}

// The text shown in the message at `row`: the concatenated Markdown blocks of a reply.
QString shownReply(const lowbit::test::StudioHarness& s, int row) {
    QQuickItem* message = s.visibleItem(QStringLiteral("message_%1").arg(row));
    if (!message) return {};
    QString text;
    for (QQuickItem* t : s.items(QStringLiteral("replyText"), message))
        text += t->property("text").toString();
    return text;
}

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
            lowbit::test::StudioHarness s;
            QVERIFY(startStudio(s, dir.path()));
            // A long context so a reply runs long enough to be stopped by hand.
            s.app()->settings()->setContextLength(2048);

            // Library page: import (what the file dialog and drag-and-drop hand over), then Load.
            QVERIFY(s.click(QStringLiteral("nav_library")));
            QCOMPARE(s.page(), QStringLiteral("library"));
            s.app()->library()->importPath(
                QString::fromStdString(lowbit::test::model_path("random-llama-spm-TQ2_0-f16emb.gguf")));
            QTRY_COMPARE_WITH_TIMEOUT(s.app()->library()->count(), 1, 20'000);
            QTRY_VERIFY_WITH_TIMEOUT(s.visibleItem(QStringLiteral("loadModelButton")) != nullptr, 5'000);
            QVERIFY(s.click(QStringLiteral("loadModelButton")));
            QTRY_VERIFY_WITH_TIMEOUT(s.app()->engine()->ready(), 30'000);

            // Chat page, new chat, type and send with Enter.
            QVERIFY(s.click(QStringLiteral("nav_chat")));
            QVERIFY(s.click(QStringLiteral("newChatButton")));
            QVERIFY(s.click(QStringLiteral("composerInput")));
            QQuickItem* input = s.visibleItem(QStringLiteral("composerInput"));
            QTRY_VERIFY(input->hasActiveFocus());
            s.type(QStringLiteral("Tell me a long story"));
            QCOMPARE(input->property("text").toString(), QStringLiteral("Tell me a long story"));
            // Shift+Enter adds a line instead of sending.
            QTest::keyClick(s.window(), Qt::Key_Return, Qt::ShiftModifier);
            QVERIFY(input->property("text").toString().contains(u'\n'));
            QTest::keyClick(s.window(), Qt::Key_Backspace);
            QTest::keyClick(s.window(), Qt::Key_Return);
            QTRY_VERIFY_WITH_TIMEOUT(s.app()->chat()->generating(), 5'000);
            QCOMPARE(input->property("text").toString(), QString());
            chatId = s.app()->chat()->chatId();
            QVERIFY(chatId > 0);

            // Streamed text shows up in the window while the model is still writing.
            QTRY_VERIFY_WITH_TIMEOUT(!shownReply(s, 1).isEmpty(), 20'000);
            QVERIFY(s.app()->chat()->generating());
            QVERIFY(s.visibleItem(QStringLiteral("stopButton")) != nullptr);

            // Esc stops it; the text so far stays and the reply is marked stopped.
            QTest::keyClick(s.window(), Qt::Key_Escape);
            QTRY_VERIFY_WITH_TIMEOUT(!s.app()->chat()->generating(), 20'000);
            const auto& msgs = s.app()->chat()->messages()->messages();
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
            // The panel lays itself out over a few frames after it opens; typeInto clicks until
            // the field has the focus (a click on a moving target may land beside it).
            QVERIFY(s.typeInto(QStringLiteral("maxTokensField"), QStringLiteral("24")));
            QTest::keyClick(s.window(), Qt::Key_Return);
            QTRY_COMPARE(s.app()->chat()->maxTokens(), 24);

            QVERIFY(s.click(QStringLiteral("regenerateButton")));
            QTRY_VERIFY_WITH_TIMEOUT(s.app()->chat()->generating(), 5'000);
            QTRY_VERIFY_WITH_TIMEOUT(!s.app()->chat()->generating(), 60'000);
            const auto& after = s.app()->chat()->messages()->messages();
            QCOMPARE(after.size(), 2);
            Q_UNUSED(stoppedId);
            QVERIFY(after[1].state == lowbit::app::MessageState::Complete);
            QVERIFY(after[1].completionTokens > 0 && after[1].completionTokens <= 24);
            finalReply = after[1].text;
            QTRY_COMPARE(shownReply(s, 1).isEmpty(), finalReply.trimmed().isEmpty());
            // The status line shows the speed and the context in use.
            QVERIFY(s.visibleItem(QStringLiteral("statusSpeed")) != nullptr);
            QVERIFY(s.item(QStringLiteral("statusContext"))
                        ->property("text")
                        .toString()
                        .contains(QStringLiteral("/ 2048")));
            s.stop();
        }

        // Restart on the same data folder: the chat, its reply and the model are all there.
        lowbit::test::StudioHarness s;
        QVERIFY(startStudio(s, dir.path()));
        QTRY_VERIFY_WITH_TIMEOUT(s.app()->engine()->ready(), 30'000);  // the last model loads by itself
        QTRY_VERIFY_WITH_TIMEOUT(s.visibleItem(QStringLiteral("chatRow_0")) != nullptr, 5'000);
        QVERIFY(s.click(QStringLiteral("chatRow_0")));
        QTRY_COMPARE(s.app()->chat()->chatId(), chatId);
        const auto& msgs = s.app()->chat()->messages()->messages();
        QCOMPARE(msgs.size(), 2);
        QCOMPARE(msgs[0].text, QStringLiteral("Tell me a long story"));
        QCOMPARE(msgs[1].text, finalReply);
        QCOMPARE(msgs[1].state, lowbit::app::MessageState::Complete);
        QCOMPARE(s.app()->chat()->maxTokens(), 24);
        QCOMPARE(s.app()->chat()->title(), QStringLiteral("Tell me a long story"));

        // Export from the header: the save dialog offers Documents/<title>.md — here the home
        // folder, as this home (a temporary one) has no Documents folder — and accepting it
        // writes the transcript there.
        const QByteArray realHome = qgetenv("HOME");
        QTemporaryDir home;
        qputenv("HOME", home.path().toUtf8());
        QVERIFY(s.click(QStringLiteral("exportChatButton")));
        QObject* dialog = s.window()->findChild<QObject*>(QStringLiteral("exportChatDialog"));
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->property("visible").toBool());
        const QString exported = QDir(home.path()).filePath(QStringLiteral("Tell me a long story.md"));
        QCOMPARE(dialog->property("selectedFile").toUrl(), QUrl::fromLocalFile(exported));
        QVERIFY(QMetaObject::invokeMethod(dialog, "accept"));
        QTRY_VERIFY(QFile::exists(exported));
        qputenv("HOME", realHome);
        QFile f(exported);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString transcript = QString::fromUtf8(f.readAll());
        QVERIFY(transcript.startsWith(QStringLiteral("# Tell me a long story\n")));
        QVERIFY(transcript.contains(finalReply.trimmed()));

        // Import from the sidebar: the same chat exported as JSON comes back as a second chat.
        const QString json = dir.filePath(QStringLiteral("story.json"));
        QVERIFY(s.app()->chat()->exportChat(json));
        QObject* importDialog = s.window()->findChild<QObject*>(QStringLiteral("importChatDialog"));
        QVERIFY(importDialog);
        importDialog->setProperty("selectedFile", QUrl::fromLocalFile(json));
        QVERIFY(s.click(QStringLiteral("importChatButton")));
        QTRY_VERIFY(importDialog->property("visible").toBool());
        QVERIFY(QMetaObject::invokeMethod(importDialog, "accept"));
        QTRY_COMPARE(s.app()->chats()->count(), 2);
        QVERIFY(s.app()->chat()->chatId() != chatId);
        QCOMPARE(s.app()->chat()->messages()->messages().size(), 2);
        QCOMPARE(s.app()->chat()->messages()->messages()[1].text, finalReply);
        QTRY_VERIFY(s.visibleItem(QStringLiteral("chatRow_1")) != nullptr);
        s.stop();
    }

    // Ctrl+N opens a new chat from anywhere; the theme switch on the rail flips the theme.
    void shortcutsAndTheme() {
        QTemporaryDir dir;
        lowbit::test::StudioHarness s;
        QVERIFY(startStudio(s, dir.path()));
        QVERIFY(s.click(QStringLiteral("nav_settings")));
        QCOMPARE(s.page(), QStringLiteral("settings"));
        QTest::keyClick(s.window(), Qt::Key_N, Qt::ControlModifier);
        QCOMPARE(s.page(), QStringLiteral("chat"));
        const QString before = s.app()->settings()->theme();
        QTest::keyClick(s.window(), Qt::Key_L, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(s.app()->settings()->theme() != before);
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
