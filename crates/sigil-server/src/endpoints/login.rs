//! `POST {realm}/login` (Keycloak: `/login-actions/authenticate`): the login form's target
//! (OIDC Core §3.1.2.3). Opens the sealed interaction, checks the double-submit CSRF token,
//! validates the authorization request again, checks the password (`op::login`, throttled),
//! starts a session and sets its cookie, then continues the flow.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::RealmRef;
use super::interaction::{self, THROTTLED, WRONG_CREDENTIALS, csrf_cookie, session_cookie};
use crate::app::App;
use crate::http::{cookies, read_form};
use crate::op::authorize::{self, Resume};
use crate::op::interaction::Interaction;
use crate::op::login::{self, Outcome};
use crate::op::sessions;
use crate::ui::PageError;
use crate::users::Password;

/// `POST /login`.
pub async fn login(
    State(app): State<Arc<App>>,
    RealmRef(realm): RealmRef,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let form = match read_form(&headers, body).await {
        Ok(form) => form,
        Err(e) => return PageError::bad_request("Invalid request", e.description).into_response(),
    };
    let now = app.ctx.now();
    let mut started = match Interaction::open(
        app.realms.master(),
        &realm.name,
        form.get("interaction"),
        now,
    ) {
        Ok(started) => started,
        Err(page) => return page.into_response(),
    };
    let cookie = cookies::read(&headers, &csrf_cookie(&realm));
    if !started.csrf_matches(cookie.as_deref(), form.get("csrf")) {
        return interaction::csrf_refused();
    }
    let params = match started.params() {
        Ok(params) => params,
        Err(page) => return page.into_response(),
    };
    let request = match authorize::validate(&app.ctx, &realm, &params).await {
        Ok(request) => request,
        Err(e) => return interaction::authorize_error(e),
    };
    let username = form.get("username").unwrap_or_default();
    let password = Password::candidate(form.get("password").unwrap_or_default().to_owned());
    let addr = peer.map(|Extension(ConnectInfo(addr))| addr.ip());
    let outcome = login::sign_in(&app.ctx, &realm, &app.passwords, username, &password, addr).await;
    let user = match outcome {
        Ok(Outcome::SignedIn(user)) => user,
        // 200, not 401: a 401 must carry a `WWW-Authenticate` challenge (RFC 9110 §15.5.2),
        // and a form is not an HTTP authentication scheme.
        Ok(Outcome::Refused) => {
            return interaction::login_page(
                &app,
                &realm,
                &request,
                &started,
                StatusCode::OK,
                Some(username),
                Some(WRONG_CREDENTIALS),
            );
        }
        Ok(Outcome::Throttled) => {
            return interaction::login_page(
                &app,
                &realm,
                &request,
                &started,
                StatusCode::TOO_MANY_REQUESTS,
                Some(username),
                Some(THROTTLED),
            );
        }
        Err(page) => return page.into_response(),
    };
    // A sign-in replaces the browser's previous session, whoever it was for: two live sessions
    // behind one cookie name would be one forgotten, still valid, and a planted session id
    // (fixation) never survives a sign-in.
    let previous = cookies::read(&headers, &session_cookie(&realm));
    match sessions::find(&app.ctx, &realm, previous.as_deref()).await {
        Ok(Some(old)) => {
            if let Err(e) = sessions::end(&app.ctx, &realm, &old).await {
                return interaction::error_at(&request, e);
            }
        }
        Ok(None) => {}
        Err(e) => return interaction::error_at(&request, e),
    }
    let session = match sessions::start(&app.ctx, &realm, &user.id, &["pwd"]).await {
        Ok(session) => session,
        Err(e) => return interaction::error_at(&request, e),
    };
    started.fresh_login = true;
    let resume = Resume {
        fresh_login: true,
        consented: false,
    };
    let record = session.record.clone();
    let mut response =
        match authorize::decide(&app.ctx, &realm, &request, Some(record), resume).await {
            Ok(step) => interaction::step(&app, &realm, &request, step, started),
            Err(e) => interaction::authorize_error(e),
        };
    // The session holds whatever the flow answered (even an error at the client): the person
    // did sign in.
    let ttl = i64::try_from(realm.settings.session_ttl_secs).unwrap_or(i64::MAX);
    cookies::set(
        response.headers_mut(),
        &session_cookie(&realm),
        &session.secret,
        cookies::secure_for(&realm.issuer),
        Some(ttl),
    );
    response
}
