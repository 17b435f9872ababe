//! `GET /openapi.json`: an OpenAPI 3.1 document of every route.
//!
//! The body schemas come from the `ToSchema` derives of the wire types in `zoom-pac-model`.
//! The scopes, limits, page sizes and example error bodies come from the constants and error
//! types that the handlers use, so the document changes with the code. The document also
//! follows the server's settings: its public URL, its request limits and how it writes
//! `conference_id`.

use std::time::SystemTime;

use axum::Json;
use axum::Router;
use axum::body::to_bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathItemBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ComponentsBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityRequirement,
    SecurityScheme,
};
use utoipa::openapi::{
    Components, ContentBuilder, HeaderBuilder, InfoBuilder, KnownFormat, OpenApi, OpenApiBuilder,
    PathsBuilder, Ref, RefOr, Required, ResponseBuilder, Schema, SchemaFormat, ServerBuilder,
};
use zoom_pac_model::{
    DialInNumber, FieldError, OAuthError, PacAccount, PacAccountList, TokenResponse, User,
    UserPage, ZoomError,
};

use super::error::{ApiError, OAuthFailure};
use super::oauth::MAX_TOKEN_BODY;
use super::users::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PAGE_TOKEN_LIFETIME};
use crate::auth::scope::{
    GET_USER, LIST_PAC_ACCOUNTS, LIST_USERS, ScopeRule, missing_scopes_message,
};
use crate::config::{ConferenceIdFormat, ServerConfig};
use crate::limit::{Label, WindowKind};
use crate::state::AppState;

/// The security scheme of the API routes: Zoom's name for its OAuth 2.0 scheme.
pub const OAUTH_SCHEME: &str = "openapi_oauth";

/// The security scheme of the token endpoint: the client id and secret as HTTP Basic.
pub const CLIENT_SCHEME: &str = "client_credentials";

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json))
}

async fn openapi_json(State(state): State<AppState>) -> Result<Response, ApiError> {
    let document = document(&state.config).await?;
    Ok(Json(document).into_response())
}

/// Builds the document for a server with these settings.
async fn document(config: &ServerConfig) -> Result<OpenApi, ApiError> {
    let examples = ErrorExamples::render().await?;
    let info = InfoBuilder::new()
        .title("zoom-pac")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Zoom's \"List a user's PAC accounts\" API, with the OAuth token endpoint and the \
             user lookups it depends on. Errors use Zoom's bodies: `{code, message}` on the API \
             and `{reason, error}` on the token endpoint.",
        ))
        .build();
    let paths = PathsBuilder::new()
        .path("/v2/users/{userId}/pac", pac_path(&examples))
        .path("/v2/users", list_users_path(&examples))
        .path("/v2/users/{userId}", get_user_path(&examples))
        .path("/oauth/token", token_path(config, &examples))
        .path("/healthz", healthz_path())
        .path("/readyz", readyz_path())
        .path("/openapi.json", openapi_path())
        .build();
    Ok(OpenApiBuilder::new()
        .info(info)
        .servers(Some([ServerBuilder::new().url(&config.public_url).build()]))
        .paths(paths)
        .components(Some(components(config, &examples)))
        .build())
}

/// The bodies that the error types render, used as examples.
struct ErrorExamples {
    invalid_token: Value,
    expired_token: Value,
    user_not_found: Value,
    account_pac_disabled: Value,
    user_pac_disabled: Value,
    route_not_found: Value,
    method_not_allowed: Value,
    per_second_limit: Value,
    daily_limit: Value,
    invalid_page_token: Value,
    invalid_client: Value,
    missing_grant_type: Value,
    unsupported_grant_type: Value,
    missing_account_id: Value,
    invalid_account_id: Value,
    body_too_large: Value,
}

impl ErrorExamples {
    async fn render() -> Result<Self, ApiError> {
        let rate_limited = |window| ApiError::RateLimited {
            label: Label::Light,
            window,
            limit: 80,
            retry_at: SystemTime::now(),
        };
        Ok(Self {
            invalid_token: body_of(ApiError::InvalidToken).await?,
            expired_token: body_of(ApiError::ExpiredToken).await?,
            user_not_found: body_of(ApiError::UserNotFound("nobody@example.com".to_owned()))
                .await?,
            account_pac_disabled: body_of(ApiError::AccountPacDisabled).await?,
            user_pac_disabled: body_of(ApiError::UserPacDisabled).await?,
            route_not_found: body_of(ApiError::RouteNotFound).await?,
            method_not_allowed: body_of(ApiError::MethodNotAllowed).await?,
            per_second_limit: body_of(rate_limited(WindowKind::PerSecond)).await?,
            daily_limit: body_of(rate_limited(WindowKind::Daily)).await?,
            invalid_page_token: body_of(ApiError::InvalidPageToken).await?,
            invalid_client: body_of(OAuthFailure::InvalidClient).await?,
            missing_grant_type: body_of(OAuthFailure::MissingGrantType).await?,
            unsupported_grant_type: body_of(OAuthFailure::UnsupportedGrantType).await?,
            missing_account_id: body_of(OAuthFailure::MissingAccountId).await?,
            invalid_account_id: body_of(OAuthFailure::InvalidAccountId).await?,
            body_too_large: body_of(OAuthFailure::BodyTooLarge).await?,
        })
    }

    fn missing_scopes(rule: &ScopeRule, own_user_only: bool) -> Value {
        let scopes = if own_user_only {
            rule.admin_required
        } else {
            rule.required
        };
        json!({
            "code": 4711,
            "message": missing_scopes_message(scopes),
        })
    }
}

/// Returns the JSON body that an error renders.
async fn body_of(error: impl IntoResponse) -> Result<Value, ApiError> {
    let bytes = to_bytes(error.into_response().into_body(), 64 * 1024)
        .await
        .map_err(|error| ApiError::Internal(format!("rendering an error body failed: {error}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|error| ApiError::Internal(format!("an error body is not JSON: {error}")))
}

fn components(config: &ServerConfig, examples: &ErrorExamples) -> Components {
    let mut components = ComponentsBuilder::new()
        .schema_from::<PacAccountList>()
        .schema_from::<PacAccount>()
        .schema_from::<DialInNumber>()
        .schema_from::<User>()
        .schema_from::<UserPage>()
        .schema_from::<TokenResponse>()
        .schema_from::<ZoomError>()
        .schema_from::<FieldError>()
        .schema_from::<OAuthError>()
        .security_scheme(OAUTH_SCHEME, oauth_scheme(config))
        .security_scheme(
            CLIENT_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("The app's client id and client secret."))
                    .build(),
            ),
        )
        .response("InvalidToken", invalid_token_response(examples))
        .response("MethodNotAllowed", method_not_allowed_response(examples))
        .response("UriTooLong", limit_response(config, LimitKind::Uri, false))
        .response(
            "HeadersTooLarge",
            limit_response(config, LimitKind::Headers, false),
        )
        .response("RateLimited", rate_limited_response(examples))
        .response("Unavailable", unavailable_response())
        .response("TimedOut", timed_out_response())
        .build();
    if config.conference_id_format == ConferenceIdFormat::String {
        quote_conference_id_schema(&mut components);
    }
    components
}

/// Changes `PacAccount.conference_id` to the quoted form that `--conference-id-format string`
/// sends.
fn quote_conference_id_schema(components: &mut Components) {
    let Some(RefOr::T(Schema::Object(account))) =
        components.schemas.get_mut(PacAccount::name().as_ref())
    else {
        return;
    };
    let quoted = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[0-9]{1,20}$"))
        .description(Some(
            "The conference id that dial-in callers enter, as a string of digits.",
        ))
        .build();
    account
        .properties
        .insert("conference_id".to_owned(), quoted.into());
}

fn oauth_scheme(config: &ServerConfig) -> SecurityScheme {
    let mut scopes = Vec::new();
    for (rule, operation) in [
        (LIST_PAC_ACCOUNTS, "list PAC accounts"),
        (LIST_USERS, "list users"),
        (GET_USER, "get a user"),
    ] {
        for scope in rule.admin {
            scopes.push((
                (*scope).to_owned(),
                format!("{operation}: any user of the account"),
            ));
        }
        for scope in rule.own {
            scopes.push((
                (*scope).to_owned(),
                format!("{operation}: only the token's own user"),
            ));
        }
    }
    let token_url = format!("{}/oauth/token", config.public_url);
    SecurityScheme::OAuth2(OAuth2::with_description(
        [Flow::ClientCredentials(ClientCredentials::new(
            token_url,
            Scopes::from_iter(scopes),
        ))],
        "Server-to-Server OAuth: `POST /oauth/token` with the `account_credentials` grant \
         returns a bearer token, sent as `Authorization: Bearer TOKEN`. Tokens live one hour.",
    ))
}

/// Returns the requirement that a token carries any one of the rule's scopes. Each scope is a
/// separate alternative, because OpenAPI reads the scopes of one requirement as all needed.
fn scope_requirements(rule: &ScopeRule) -> Vec<SecurityRequirement> {
    rule.admin
        .iter()
        .chain(rule.own)
        .map(|scope| SecurityRequirement::new(OAUTH_SCHEME, [*scope]))
        .collect()
}

fn scope_description(rule: &ScopeRule) -> String {
    let mut text = format!(
        "Scopes: any of `{}` for any user of the token's account",
        rule.admin.join("`, `")
    );
    if rule.own.is_empty() {
        text.push('.');
    } else {
        text.push_str(&format!(
            "; `{}` for the token's own user only.",
            rule.own.join("`, `")
        ));
    }
    text
}

fn schema_ref<T: ToSchema>() -> Ref {
    Ref::from_schema_name(T::name())
}

fn response_ref(name: &str) -> Ref {
    Ref::from_response_name(name)
}

fn json_content(schema: Ref, examples: &[(&str, &Value)]) -> ContentBuilder {
    ContentBuilder::new()
        .schema(Some(schema))
        .examples_from_iter(
            examples
                .iter()
                .map(|(name, value)| (*name, ExampleBuilder::new().value(Some((*value).clone())))),
        )
}

fn string_header(description: &str) -> utoipa::openapi::Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some(description))
        .build()
}

fn integer_header(description: &str) -> utoipa::openapi::Header {
    HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        ))
        .description(Some(description))
        .build()
}

fn zoom_error_response(description: &str, examples: &[(&str, &Value)]) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        json_content(schema_ref::<ZoomError>(), examples).build(),
    )
}

fn oauth_error_response(description: &str, examples: &[(&str, &Value)]) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        json_content(schema_ref::<OAuthError>(), examples).build(),
    )
}

fn success_response<T: ToSchema>(description: &str) -> ResponseBuilder {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(schema_ref::<T>()))
                .build(),
        )
        .header(
            "X-RateLimit-Remaining",
            integer_header(
                "The requests left in the account's tightest rate-limit window; absent when no \
                 window limits the operation.",
            ),
        )
}

fn invalid_token_response(examples: &ErrorExamples) -> ResponseBuilder {
    zoom_error_response(
        "No token, a malformed, foreign or revoked one, or an expired one (code 124).",
        &[
            ("invalid", &examples.invalid_token),
            ("expired", &examples.expired_token),
        ],
    )
}

fn method_not_allowed_response(examples: &ErrorExamples) -> ResponseBuilder {
    zoom_error_response(
        "The path exists but not with this method. `Allow` lists the methods it has.",
        &[("method_not_allowed", &examples.method_not_allowed)],
    )
    .header("Allow", string_header("The methods of this path."))
}

#[derive(Clone, Copy)]
enum LimitKind {
    Uri,
    Headers,
}

/// Returns the 414 or 431 response of the request limits, with the body format of the API or,
/// for the token endpoint, of OAuth.
fn limit_response(config: &ServerConfig, kind: LimitKind, oauth: bool) -> ResponseBuilder {
    let (code, message) = match kind {
        LimitKind::Uri => (
            414,
            format!(
                "The request URI is too long. The limit is {} bytes.",
                config.max_uri_length
            ),
        ),
        LimitKind::Headers => (
            431,
            format!(
                "The request header fields are too large. The limit is {} fields and {} bytes.",
                config.max_header_count, config.max_header_bytes
            ),
        ),
    };
    let description = match kind {
        LimitKind::Uri => format!(
            "The request target is longer than {} bytes.",
            config.max_uri_length
        ),
        LimitKind::Headers => format!(
            "The request has more than {} header fields or more than {} bytes of header names \
             and values. A request head four times larger gets a bare 431 without a body.",
            config.max_header_count, config.max_header_bytes
        ),
    };
    if oauth {
        let example = json!({"reason": message, "error": "invalid_request"});
        oauth_error_response(&description, &[("too_large", &example)])
    } else {
        let example = json!({"code": code, "message": message});
        zoom_error_response(&description, &[("too_large", &example)])
    }
}

fn rate_limited_response(examples: &ErrorExamples) -> ResponseBuilder {
    zoom_error_response(
        "The account's per-second or daily limit for the operation's label is reached.",
        &[
            ("per_second", &examples.per_second_limit),
            ("daily", &examples.daily_limit),
        ],
    )
    .header(
        "X-RateLimit-Category",
        string_header("The operation's label: `Light`, `Medium` or `Heavy`."),
    )
    .header(
        "X-RateLimit-Type",
        string_header("The window that is full: `QPS` or `Daily-limit`."),
    )
    .header("X-RateLimit-Limit", integer_header("The window's limit."))
    .header("X-RateLimit-Remaining", integer_header("Always 0."))
    .header(
        "Retry-After",
        string_header("For the daily window only: the next 00:00 UTC, as an ISO-8601 time."),
    )
}

fn unavailable_response() -> ResponseBuilder {
    let example = json!({
        "code": 503,
        "message": "The service is temporarily unavailable. Try again later.",
    });
    zoom_error_response(
        "The database does not respond.",
        &[("unavailable", &example)],
    )
}

fn timed_out_response() -> ResponseBuilder {
    let example = json!({"code": 504, "message": "The request timed out. Try again later."});
    zoom_error_response(
        "The request ran longer than the server's request timeout. The body is Zoom's API error \
         format on every route, the token endpoint included.",
        &[("timed_out", &example)],
    )
    .header("Retry-After", string_header("Seconds to wait: `1`."))
}

/// Adds the responses that every route of the API can send.
fn with_common_responses(operation: OperationBuilder) -> OperationBuilder {
    operation
        .response("405", response_ref("MethodNotAllowed"))
        .response("414", response_ref("UriTooLong"))
        .response("431", response_ref("HeadersTooLarge"))
        .response("504", response_ref("TimedOut"))
}

fn user_id_parameter(description: &str) -> ParameterBuilder {
    ParameterBuilder::new()
        .name("userId")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1)),
        ))
        .example(Some(json!("me")))
}

const USER_ID_DESCRIPTION: &str = "A user id, an email (any letter case, percent-encoded) or \
    `me`: the authorizing user of a user-level token, or the app's owner for a Server-to-Server \
    token.";

fn pac_path(examples: &ErrorExamples) -> PathItem {
    let rule = LIST_PAC_ACCOUNTS;
    let operation = OperationBuilder::new()
        .operation_id(Some("userPACs"))
        .tag("PAC")
        .summary(Some("List a user's PAC accounts"))
        .description(Some(format!(
            "Lists the Personal Audio Conference accounts of a user. The checks run in this \
             order: token, scopes, rate limit (label Light), user, the account's audio \
             conferencing, the user's PAC setting. {}",
            scope_description(&rule)
        )))
        .parameter(user_id_parameter(USER_ID_DESCRIPTION))
        .securities(Some(scope_requirements(&rule)))
        .response(
            "200",
            success_response::<PacAccountList>("The user's PAC accounts."),
        )
        .response(
            "400",
            zoom_error_response(
                "The token lacks the scopes (4711), the account has no audio conferencing \
                 (200) or the user has PAC disabled (2024).",
                &[
                    (
                        "missing_scopes",
                        &ErrorExamples::missing_scopes(&rule, false),
                    ),
                    ("own_user_only", &ErrorExamples::missing_scopes(&rule, true)),
                    ("account_pac_disabled", &examples.account_pac_disabled),
                    ("user_pac_disabled", &examples.user_pac_disabled),
                ],
            ),
        )
        .response("401", response_ref("InvalidToken"))
        .response("404", user_not_found_response(examples))
        .response("429", response_ref("RateLimited"))
        .response("503", response_ref("Unavailable"));
    PathItem::new(HttpMethod::Get, with_common_responses(operation))
}

fn user_not_found_response(examples: &ErrorExamples) -> ResponseBuilder {
    zoom_error_response(
        "No user of the token's account has this id or email (1001). Users of other accounts \
         read the same. An empty `userId` matches no route (404).",
        &[
            ("user_not_found", &examples.user_not_found),
            ("route_not_found", &examples.route_not_found),
        ],
    )
}

fn list_users_path(examples: &ErrorExamples) -> PathItem {
    let rule = LIST_USERS;
    let status = ParameterBuilder::new()
        .name("status")
        .parameter_in(ParameterIn::Query)
        .description(Some("The users' status."))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["active", "inactive", "pending"]))
                .default(Some(json!("active"))),
        ));
    let page_size = ParameterBuilder::new()
        .name("page_size")
        .parameter_in(ParameterIn::Query)
        .description(Some(format!(
            "The users per page. 0 means the default, {DEFAULT_PAGE_SIZE}; values above \
             {MAX_PAGE_SIZE} mean {MAX_PAGE_SIZE}."
        )))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(0))
                .maximum(Some(u32::MAX))
                .default(Some(json!(DEFAULT_PAGE_SIZE))),
        ));
    let next_page_token = ParameterBuilder::new()
        .name("next_page_token")
        .parameter_in(ParameterIn::Query)
        .description(Some(format!(
            "The `next_page_token` of the previous page, valid for {} minutes. Any other \
             non-empty value gets 400 (code 300).",
            PAGE_TOKEN_LIFETIME / 60
        )))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)));
    let validation_failed = json!({
        "code": 300,
        "message": "Validation Failed.",
        "errors": [{"field": "page_size", "message": "Invalid field. Expected a positive integer."}],
    });
    let operation = OperationBuilder::new()
        .operation_id(Some("users"))
        .tag("Users")
        .summary(Some("List users"))
        .description(Some(format!(
            "Lists the users of the token's account, in pages (rate-limit label Medium). {}",
            scope_description(&rule)
        )))
        .parameters(Some([status, page_size, next_page_token]))
        .securities(Some(scope_requirements(&rule)))
        .response("200", success_response::<UserPage>("One page of users."))
        .response(
            "400",
            zoom_error_response(
                "The token lacks the scopes (4711), a query parameter is invalid (300, with \
                 `errors`) or `next_page_token` is invalid or expired (300).",
                &[
                    (
                        "missing_scopes",
                        &ErrorExamples::missing_scopes(&rule, false),
                    ),
                    ("validation_failed", &validation_failed),
                    ("invalid_page_token", &examples.invalid_page_token),
                ],
            ),
        )
        .response("401", response_ref("InvalidToken"))
        .response("429", response_ref("RateLimited"))
        .response("503", response_ref("Unavailable"));
    PathItem::new(HttpMethod::Get, with_common_responses(operation))
}

fn get_user_path(examples: &ErrorExamples) -> PathItem {
    let rule = GET_USER;
    let operation = OperationBuilder::new()
        .operation_id(Some("user"))
        .tag("Users")
        .summary(Some("Get a user"))
        .description(Some(format!(
            "Returns one user of the token's account (rate-limit label Light). {}",
            scope_description(&rule)
        )))
        .parameter(user_id_parameter(USER_ID_DESCRIPTION))
        .securities(Some(scope_requirements(&rule)))
        .response("200", success_response::<User>("The user."))
        .response(
            "400",
            zoom_error_response(
                "The token lacks the scopes (4711).",
                &[
                    (
                        "missing_scopes",
                        &ErrorExamples::missing_scopes(&rule, false),
                    ),
                    ("own_user_only", &ErrorExamples::missing_scopes(&rule, true)),
                ],
            ),
        )
        .response("401", response_ref("InvalidToken"))
        .response("404", user_not_found_response(examples))
        .response("429", response_ref("RateLimited"))
        .response("503", response_ref("Unavailable"));
    PathItem::new(HttpMethod::Get, with_common_responses(operation))
}

fn token_path(config: &ServerConfig, examples: &ErrorExamples) -> PathItem {
    let grant_type_schema = || {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["account_credentials"]))
            .description(Some("The grant: only `account_credentials`."))
    };
    let account_id_schema = || {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("The app's account id."))
    };
    let query_parameter = |name: &str, schema: ObjectBuilder| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .description(Some(
                "May come as a query parameter or in the form body; the body wins.",
            ))
            .schema(Some(schema))
    };
    let form = ObjectBuilder::new()
        .property("grant_type", grant_type_schema())
        .property("account_id", account_id_schema());
    let body = RequestBodyBuilder::new()
        .description(Some(format!(
            "The parameters as a form, at most {MAX_TOKEN_BODY} bytes."
        )))
        .content(
            "application/x-www-form-urlencoded",
            ContentBuilder::new().schema(Some(form)).build(),
        )
        .build();
    let operation = OperationBuilder::new()
        .operation_id(Some("oauthToken"))
        .tag("OAuth")
        .summary(Some("Request an access token"))
        .description(Some(
            "Server-to-Server OAuth with the `account_credentials` grant. The client id and \
             secret come as HTTP Basic credentials. Every failure but a body over the limit \
             returns 400, as Zoom does.",
        ))
        .parameters(Some([
            query_parameter("grant_type", grant_type_schema()),
            query_parameter("account_id", account_id_schema()),
        ]))
        .request_body(Some(body))
        .security(SecurityRequirement::new(
            CLIENT_SCHEME,
            Vec::<String>::new(),
        ))
        .response(
            "200",
            ResponseBuilder::new()
                .description("The access token.")
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(schema_ref::<TokenResponse>()))
                        .build(),
                ),
        )
        .response(
            "400",
            oauth_error_response(
                "Missing, malformed or wrong client credentials, or a missing, unsupported or \
                 foreign parameter.",
                &[
                    ("invalid_client", &examples.invalid_client),
                    ("missing_grant_type", &examples.missing_grant_type),
                    ("unsupported_grant_type", &examples.unsupported_grant_type),
                    ("missing_account_id", &examples.missing_account_id),
                    ("invalid_account_id", &examples.invalid_account_id),
                ],
            ),
        )
        .response(
            "413",
            oauth_error_response(
                &format!("The body is larger than {MAX_TOKEN_BODY} bytes."),
                &[("body_too_large", &examples.body_too_large)],
            ),
        )
        .response("414", limit_response(config, LimitKind::Uri, true))
        .response("431", limit_response(config, LimitKind::Headers, true))
        .response("405", response_ref("MethodNotAllowed"))
        .response(
            "503",
            oauth_error_response(
                "The database does not respond (`temporarily_unavailable`).",
                &[],
            ),
        )
        .response("504", response_ref("TimedOut"));
    PathItem::new(HttpMethod::Post, operation)
}

fn healthz_path() -> PathItem {
    let status = ObjectBuilder::new().property(
        "status",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["ok"])),
    );
    let operation = OperationBuilder::new()
        .operation_id(Some("healthz"))
        .tag("Health")
        .summary(Some("Check that the process runs"))
        .response(
            "200",
            ResponseBuilder::new()
                .description("The process runs.")
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(status)).build(),
                ),
        );
    PathItem::new(HttpMethod::Get, with_common_responses(operation))
}

fn readyz_path() -> PathItem {
    let status = ObjectBuilder::new().property(
        "status",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["ready"])),
    );
    let operation = OperationBuilder::new()
        .operation_id(Some("readyz"))
        .tag("Health")
        .summary(Some("Check that the database responds"))
        .response(
            "200",
            ResponseBuilder::new()
                .description("The database responds.")
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(status)).build(),
                ),
        )
        .response(
            "503",
            zoom_error_response("The database does not respond.", &[]),
        );
    PathItem::new(HttpMethod::Get, with_common_responses(operation))
}

fn openapi_path() -> PathItem {
    let operation = OperationBuilder::new()
        .operation_id(Some("openapi"))
        .tag("Health")
        .summary(Some("This document"))
        .response(
            "200",
            ResponseBuilder::new()
                .description("The OpenAPI document of this server.")
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                        .build(),
                ),
        );
    PathItemBuilder::new()
        .operation(HttpMethod::Get, with_common_responses(operation))
        .build()
}
