//! Amazon SES notifications (bounce, complaint, delivery), sent as JSON by email — bare or
//! wrapped in an SNS envelope whose `Message` field holds the JSON as a string.

use super::diag::{Diagnosis, diagnostic_code};
use super::{Context, status_from};
use crate::recognize::Status;
use serde_json::Value;

/// Reads an SES notification; false when the message is not one.
pub(super) fn recognise(ctx: &Context<'_>, out: &mut Vec<Status>) -> bool {
    if !ctx.failure.contains("\"notificationType\"") && !ctx.failure.contains("\"eventType\"") {
        return false;
    }
    let Some(n) = notification(&ctx.failure) else {
        return false;
    };
    let kind = n
        .get("notificationType")
        .or_else(|| n.get("eventType"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let text = |v: &Value| serde_json::to_string(v).unwrap_or_default();
    let before = out.len();
    match kind {
        "Bounce" => {
            let bounce = &n["bounce"];
            let transient = bounce["bounceType"].as_str() == Some("Transient");
            for r in bounce["bouncedRecipients"].as_array().into_iter().flatten() {
                let Some(addr) = r["emailAddress"].as_str() else {
                    continue;
                };
                let (mut d, words) = r["diagnosticCode"]
                    .as_str()
                    .map_or((Diagnosis::default(), String::new()), diagnostic_code);
                let status: Option<crate::code::EnhancedCode> =
                    r["status"].as_str().and_then(|s| s.parse().ok());
                d.code = match (status, d.code) {
                    (Some(st), Some(dc)) if dc.class == st.class => Some(dc),
                    (st, dc) => st.or(dc),
                };
                let outcome = r["action"]
                    .as_str()
                    .map(str::to_ascii_lowercase)
                    .unwrap_or_else(|| if transient { "delayed" } else { "failed" }.into());
                let words = Some(words).filter(|w| !w.is_empty()).or_else(|| {
                    bounce["bounceSubType"]
                        .as_str()
                        .map(|s| format!("SES bounce: {s}"))
                });
                out.push(status_from(ctx, Some(addr), &text(r), &d, words, &outcome));
            }
        }
        "Complaint" => {
            let complaint = &n["complaint"];
            let kind = complaint["complaintFeedbackType"]
                .as_str()
                .map_or("feedback report".to_string(), |t| {
                    format!("feedback report: {t}")
                });
            for r in complaint["complainedRecipients"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if let Some(addr) = r["emailAddress"].as_str() {
                    let d = Diagnosis::default();
                    out.push(status_from(
                        ctx,
                        Some(addr),
                        &text(r),
                        &d,
                        Some(kind.clone()),
                        "feedback",
                    ));
                }
            }
        }
        "Delivery" => {
            let delivery = &n["delivery"];
            let (d, words) = delivery["smtpResponse"]
                .as_str()
                .map_or((Diagnosis::default(), String::new()), diagnostic_code);
            for r in delivery["recipients"].as_array().into_iter().flatten() {
                if let Some(addr) = r.as_str() {
                    let words = Some(words.clone()).filter(|w| !w.is_empty());
                    out.push(status_from(
                        ctx,
                        Some(addr),
                        &text(delivery),
                        &d,
                        words,
                        "delivered",
                    ));
                }
            }
        }
        _ => {}
    }
    out.len() > before
}

/// The notification object: the first JSON object in the text, unwrapped from SNS.
fn notification(text: &str) -> Option<Value> {
    let start = text.find('{')?;
    let body = &text[start..];
    let value = first_json(body)
        .or_else(|| first_json(&body.replace("!\r\n ", "").replace("!\n ", "")))
        .or_else(|| first_json(&body.replace("\r\n ", "").replace("\n ", "")))?;
    match value.get("Message").and_then(Value::as_str) {
        Some(inner) => serde_json::from_str(inner).ok(),
        None => Some(value),
    }
}

fn first_json(text: &str) -> Option<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .next()?
        .ok()
        .filter(Value::is_object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sns_wrapped_bounce() {
        let v = notification("{\n \"Type\" : \"Notification\",\n \"Message\" : \"{\\\"notificationType\\\":\\\"Bounce\\\",\\\"bounce\\\":{\\\"bouncedRecipients\\\":[{\\\"emailAddress\\\":\\\"a@example.com\\\",\\\"status\\\":\\\"5.1.1\\\"}]}}\"\n}\n--\nfooter").unwrap();
        assert_eq!(v["bounce"]["bouncedRecipients"][0]["status"], "5.1.1");
    }

    #[test]
    fn folded_json_is_rejoined() {
        let v = notification("{\"notificationType\":\"Delivery\",\"delivery\":{\"smtpResponse\":\"250 2.6.0 Mess!\n age received\"}}").unwrap();
        assert_eq!(v["delivery"]["smtpResponse"], "250 2.6.0 Message received");
    }
}
