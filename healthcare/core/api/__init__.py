"""What every API endpoint shares: the one error shape, schema helpers, the bounded JSON
parser, pagination and the root (who may do what is each app's permissions.py).

- `errors`: the error body and the exception handler (settings' EXCEPTION_HANDLER);
- `schema`: `error_responses()` for @extend_schema: descriptions, and examples made from
  the exceptions themselves (so they are what the API answers);
- `parsers`: the JSON parser, bounded in size and depth (settings' DEFAULT_PARSER_CLASSES);
- `openapi`: the schema generator, which documents those bounds on every body;
- `pagination`: `Pagination` (settings' DEFAULT_PAGINATION_CLASS);
- `views`: the API root and the JSON 404 for any other address under /api/.

Every error answered under /api/ has the same JSON body, documented as `Error` in the
schema:

    {"code": "slot_unavailable", "detail": "That time is no longer available…", "fields": {}}

`code` is machine-readable, `detail` is a sentence for people and `fields` maps a request
field to its messages (validation errors only; `{}` otherwise). HTTP statuses:

- 400 the request is malformed or a field is invalid (`invalid`; `parse_error`, also for
  JSON nested deeper than API_MAX_JSON_DEPTH), and the
  domain errors that are about the input itself: `invalid`, `invalid_record`,
  `reason_required`, `nothing_changed`, or any domain error that names fields;
- 401 no, an expired or a revoked token (`not_authenticated`, `token_not_valid`, …);
- 403 the caller's role may not do this at all (`permission_denied`);
- 404 the object does not exist *or the caller may not see it* (`not_found`): a
  forbidden object is never distinguished from a missing one, so the services'
  `healthcare.core.errors.NotVisible` (a Django Http404) is answered as 404 too;
- 405 `method_not_allowed`, 406 `not_acceptable`, 415 `unsupported_media_type`;
- 413 `request_too_large`: the body is over API_MAX_BODY_BYTES (refused unread);
- 409 every other domain error: the request is well formed but the clinic's rules refuse
  it in the current state (`slot_unavailable`, `invalid_transition`, `cutoff_passed`,
  `not_accepting_patients`, `patient_inactive`, `record_exists`, `time_off_conflict`, …);
- 429 `throttled`: a rate limit (healthcare/core/ratelimits.py) is used up; Retry-After
  says how many seconds to wait;
- 503 `unavailable`: the rate limiter cannot count (Redis down) on a log-in or password
  endpoint, which then refuses rather than let guesses through (Retry-After too);
- 500 `server_error` (logged like any unhandled Django error; never an HTML page).
"""
