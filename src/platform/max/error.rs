//! What can go wrong talking to the API. A bad token or an unreachable API stops the command
//! (exit 4); a chat the bot cannot see or read is listed and the other chats go on.

/// `what` names the request for people («чат -70000095028», «GET /me») — never the token,
/// never a member's name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The configured address is not one we send a token to.
    #[error("адрес API {url} не подходит: {reason}")]
    BadBaseUrl { url: String, reason: String },
    /// 401: the token is wrong or revoked.
    #[error("MAX Bot API не принял токен (401) — проверьте токен бота в ROLLOUT_MAX_TOKEN или в файле [platform] token_file")]
    Unauthorized,
    /// 403 for one chat: the bot is not in it or not its admin.
    #[error("{what}: нет доступа (403) — бот не участник или не администратор этого чата")]
    Forbidden { what: String },
    /// 404 for one chat.
    #[error("{what}: не найден (404)")]
    NotFound { what: String },
    /// 405 on `GET /updates`: a webhook subscription exists, long polling is off.
    #[error("{what}: у бота есть подписка на webhook, поэтому long polling (GET /updates) выключен (405)")]
    WebhookActive { what: String },
    /// The API refused the request: `success: false` on 200, or a 4xx other than the above.
    #[error("{what}: API отказал: {message}")]
    Refused { what: String, message: String },
    /// Retries exhausted on 429, 5xx, timeouts or dropped connections, or no connection.
    /// `base` is the API's scheme://host:port only (no path, query or password), so a
    /// mistyped `[platform] base_url` shows.
    #[error("{what}: MAX Bot API по адресу {base} недоступен после {attempts} попыток: {cause}")]
    Unreachable {
        what: String,
        base: String,
        attempts: u32,
        cause: String,
    },
    /// An answer we cannot read.
    #[error("{what}: непонятный ответ API: {message}")]
    BadResponse { what: String, message: String },
    /// A request that changes something was sent and no answer says whether it was carried
    /// out (5xx, a dropped connection, no answer in time). Never repeated blindly: the
    /// caller reads the platform to settle it.
    #[error("{what}: неизвестно, выполнен ли запрос: {cause}")]
    Uncertain { what: String, cause: String },
}

impl ApiError {
    /// A short stable code for the journal: the HTTP status where there was one
    /// (`401`, `403`, `404`, `405`), `refused` (`success: false` or another 4xx — the
    /// message says which), `unreachable`, `bad_response`, `uncertain`, `bad_base_url`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadBaseUrl { .. } => "bad_base_url",
            ApiError::Unauthorized => "401",
            ApiError::Forbidden { .. } => "403",
            ApiError::NotFound { .. } => "404",
            ApiError::WebhookActive { .. } => "405",
            ApiError::Refused { .. } => "refused",
            ApiError::Unreachable { .. } => "unreachable",
            ApiError::BadResponse { .. } => "bad_response",
            ApiError::Uncertain { .. } => "uncertain",
        }
    }

    /// True when the error is about one chat and the others can go on.
    pub fn is_per_chat(&self) -> bool {
        matches!(
            self,
            ApiError::Forbidden { .. } | ApiError::NotFound { .. } | ApiError::Refused { .. } | ApiError::BadResponse { .. }
        )
    }
}
