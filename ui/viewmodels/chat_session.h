#pragma once
// The open chat: its messages, its settings (system prompt, sampling, prompt format) and the
// reply in progress. Sending appends the user's message, creates the reply row (state
// "streaming"), and feeds the engine's text into both the list and a ReplyWriter that saves it
// as it grows. Stop, regenerate and edit-and-resend build on the same path.
#include <QtQml/qqmlregistration.h>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>
#include <memory>
#include <type_traits>

#include "engine/engine_host.h"
#include "message_list_model.h"
#include "storage/reply_writer.h"

namespace lowbit::ui {

struct StudioContext;
class EngineStatus;

class ChatSession : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by StudioController")
    Q_PROPERTY(qint64 chatId READ chatId NOTIFY chatChanged)
    Q_PROPERTY(QString title READ title NOTIFY titleChanged)
    Q_PROPERTY(MessageListModel* messages READ messages CONSTANT)
    Q_PROPERTY(QString systemPrompt READ systemPrompt WRITE setSystemPrompt NOTIFY settingsChanged)
    Q_PROPERTY(double temperature READ temperature WRITE setTemperature NOTIFY settingsChanged)
    Q_PROPERTY(int topK READ topK WRITE setTopK NOTIFY settingsChanged)
    Q_PROPERTY(double topP READ topP WRITE setTopP NOTIFY settingsChanged)
    Q_PROPERTY(double minP READ minP WRITE setMinP NOTIFY settingsChanged)
    Q_PROPERTY(double repeatPenalty READ repeatPenalty WRITE setRepeatPenalty NOTIFY settingsChanged)
    Q_PROPERTY(int maxTokens READ maxTokens WRITE setMaxTokens NOTIFY settingsChanged)
    Q_PROPERTY(qint64 seed READ seed WRITE setSeed NOTIFY settingsChanged)
    Q_PROPERTY(QString promptFormat READ promptFormat WRITE setPromptFormat NOTIFY settingsChanged)
    Q_PROPERTY(QVariantList promptFormats READ promptFormats CONSTANT)
    Q_PROPERTY(bool generating READ generating NOTIFY generatingChanged)
    Q_PROPERTY(bool replyVisible READ replyVisible NOTIFY generatingChanged)
    Q_PROPERTY(bool canSend READ canSend NOTIFY canSendChanged)
    Q_PROPERTY(bool canRegenerate READ canRegenerate NOTIFY canSendChanged)
    Q_PROPERTY(double tokensPerSecond READ tokensPerSecond NOTIFY statsChanged)
    Q_PROPERTY(int contextUsed READ contextUsed NOTIFY statsChanged)
    Q_PROPERTY(int contextSize READ contextSize NOTIFY statsChanged)
    Q_PROPERTY(QString lastReplyText READ lastReplyText NOTIFY statsChanged)
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    Q_PROPERTY(qint64 chatModelId READ chatModelId NOTIFY chatChanged)

  public:
    ChatSession(StudioContext& ctx, EngineStatus& status, QObject* parent = nullptr);
    ~ChatSession() override;

    qint64 chatId() const { return chatId_; }
    const QString& title() const { return title_; }
    MessageListModel* messages() { return &messages_; }
    const QString& systemPrompt() const { return systemPrompt_; }
    void setSystemPrompt(const QString& s);
    double temperature() const { return sampling_.temperature; }
    void setTemperature(double v);
    int topK() const { return sampling_.topK; }
    void setTopK(int v);
    double topP() const { return sampling_.topP; }
    void setTopP(double v);
    double minP() const { return sampling_.minP; }
    void setMinP(double v);
    double repeatPenalty() const { return sampling_.repeatPenalty; }
    void setRepeatPenalty(double v);
    int maxTokens() const { return sampling_.maxTokens; }
    void setMaxTokens(int v);
    qint64 seed() const { return sampling_.seed; }
    void setSeed(qint64 v);
    const QString& promptFormat() const { return promptFormat_; }
    void setPromptFormat(const QString& key);
    QVariantList promptFormats() const;

    bool generating() const { return reply_ != nullptr; }
    bool replyVisible() const;
    bool canSend() const;
    bool canRegenerate() const;
    double tokensPerSecond() const { return tokensPerSecond_; }
    int contextUsed() const { return contextUsed_; }
    int contextSize() const;
    const QString& lastReplyText() const { return lastReplyText_; }
    const QString& error() const { return error_; }
    qint64 chatModelId() const { return chatModelId_; }

    // Shows an empty new chat (created in the database with its first message).
    Q_INVOKABLE void newChat();
    Q_INVOKABLE bool open(qint64 chatId);
    Q_INVOKABLE bool send(const QString& text);
    Q_INVOKABLE void stop();
    Q_INVOKABLE bool regenerate();
    Q_INVOKABLE bool editAndResend(qint64 messageId, const QString& text);
    Q_INVOKABLE void resetSettings();
    Q_INVOKABLE void clearError();
    // Writes the open chat as Markdown, or as JSON when the path ends in ".json" (the path may
    // be a file:// URL from a dialog). A reply still streaming is written as far as it got.
    // False, with `error`, when there is no chat or the file cannot be written.
    Q_INVOKABLE bool exportChat(const QString& pathOrUrl);
    // Adds a chat from a JSON file written by exportChat (on this or another machine) and opens
    // it. False, with `error` in words, for a file that is not one; nothing is added then.
    Q_INVOKABLE bool importChat(const QString& pathOrUrl);
    // Documents/<chat title>.<suffix> as a file URL, for the save dialog.
    Q_INVOKABLE QUrl defaultExportUrl(const QString& suffix) const;
    // Called when the chat list deletes a chat.
    void chatRemoved(qint64 chatId);
    void chatRenamed(qint64 chatId, const QString& title);

  signals:
    void chatChanged();
    void titleChanged();
    void settingsChanged();
    void generatingChanged();
    void canSendChanged();
    void statsChanged();
    void errorChanged();
    void chatListChanged();  // a chat was created, retitled or moved up by new messages
    void replyFinished(qint64 messageId, const QString& state);
    void exported(const QString& path);

  private:
    struct Reply {
        quint64 genId = 0;
        qint64 chatId = 0;
        app::MessageRecord record;
        std::unique_ptr<app::ReplyWriter> writer;
        QElapsedTimer sinceFirstText;
        bool sawText = false;
        int pieces = 0;       // text pieces so far (one per token, give or take held-back bytes)
        int firstPieces = 0;  // pieces in the first batch, excluded from the speed
        int promptTokens = 0;
    };

    bool startReply();
    // `stored` (the messages of `chatId` as read from the database) with the reply being written
    // as it is in memory.
    void withLiveReply(qint64 chatId, QList<app::MessageRecord>& stored) const;
    void persistSettings();
    // Sets one setting and saves the chat's settings when the value changed.
    template <typename T>
    void updateSetting(T& field, std::type_identity_t<T> value) {
        if (value == field) return;
        field = value;
        persistSettings();
    }
    void setError(const QString& e);
    void setStatsFromMemory(const app::EngineMemory& m);
    void onStarted(quint64 id, int promptTokens, int dropped);
    void onText(quint64 id, const QString& text, int pieces);
    void onFinished(quint64 id, const app::EngineRunStats& stats, const app::EngineMemory& memory);
    void onFailed(quint64 id, const QString& message);
    void finishReply(app::MessageState state, const app::ReplyStats& stats);

    StudioContext& ctx_;
    EngineStatus& status_;
    MessageListModel messages_;
    qint64 chatId_ = 0;
    QString title_;
    QString systemPrompt_;
    app::EngineSampling sampling_;
    QString promptFormat_ = QStringLiteral("auto");
    qint64 chatModelId_ = 0;
    std::unique_ptr<Reply> reply_;
    double tokensPerSecond_ = 0;
    int contextUsed_ = 0;
    QString lastReplyText_;
    QString error_;
};

}  // namespace lowbit::ui
