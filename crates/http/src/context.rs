//! Per-request context available anywhere in the request's task: the
//! request id and path (for problem documents and logs).

#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub id: String,
    pub path: String,
}

tokio::task_local! {
    static REQUEST: RequestInfo;
}

/// The current request, when called inside one.
pub fn current_request() -> Option<RequestInfo> {
    REQUEST.try_with(|r| r.clone()).ok()
}

/// Runs `fut` with `info` as the current request.
pub async fn scope<F: std::future::Future>(info: RequestInfo, fut: F) -> F::Output {
    REQUEST.scope(info, fut).await
}
