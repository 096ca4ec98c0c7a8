//! End-to-end tests of the demo API's file uploads (store, download, limits, refusals,
//! the upload folder): each test starts the real `chatlet-demo-api` binary on a free
//! port and talks HTTP/1.1 to it over a plain `TcpStream`.

mod common;

use std::fs;
use std::io::{BufReader, Read, Write};
use std::net::Shutdown;

use common::*;

/// `length` bytes that are not UTF-8.
fn binary(length: usize) -> Vec<u8> {
    let bytes: Vec<u8> = (0..length)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
        .collect();
    assert!(std::str::from_utf8(&bytes).is_err());
    bytes
}

/// The `id` of a 201 upload answer, checked to be `U-` and 32 lowercase hex
/// digits (a random UUID).
fn upload_id(reply: &Reply) -> String {
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.json()["id"].as_str().unwrap_or_default().to_owned();
    let hex = id.strip_prefix("U-").unwrap_or_default();
    assert!(
        hex.len() == 32
            && hex
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte)),
        "id {id:?}"
    );
    id
}

#[test]
fn upload_then_download_gives_the_same_bytes() {
    let server = Server::start();
    let bytes = binary(6_000);
    let reply = server.request(
        "POST",
        "/api/upload?name=..%2Fholiday%20photo.jpg",
        &[
            ("Content-Type", "image/jpeg"),
            ("Origin", "http://localhost:8080"),
        ],
        &bytes,
    );
    let id = upload_id(&reply);
    assert_json_content_type(&reply);
    assert_eq!(reply.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(
        reply.json(),
        serde_json::json!({
            "id": id,
            "name": "holiday_photo.jpg",
            "bytes": 6_000,
            "contentType": "image/jpeg",
        })
    );
    let file = server.uploads.join(format!("{id}-holiday_photo.jpg"));
    assert_eq!(fs::read(file).ok().as_ref(), Some(&bytes));

    let download = server.get(&format!("/api/uploads/{id}"));
    assert_eq!(download.status, 200);
    assert_eq!(
        download.header("Content-Type"),
        Some("application/octet-stream")
    );
    assert_eq!(download.header("Access-Control-Allow-Origin"), Some("*"));
    assert!(download.bytes == bytes, "the downloaded bytes differ");

    // PUT works too; no name gives upload.bin, no Content-Type an empty one.
    let put = server.request("PUT", "/api/upload", &[], b"\xff\x00\xfe");
    let second = upload_id(&put);
    assert_ne!(second, id);
    assert_eq!(put.json()["name"], "upload.bin");
    assert_eq!(put.json()["contentType"], "");
    assert_eq!(put.json()["bytes"], 3);
    let download = server.get(&format!("/api/uploads/{second}"));
    assert_eq!(download.bytes, b"\xff\x00\xfe");

    assert_eq!(server.get("/api/uploads/U-000000").status, 404);
    assert_eq!(server.get("/api/upload").status, 405);
    assert_eq!(server.get("/api/upload").header("Allow"), Some("POST, PUT"));
}

#[test]
fn uploads_over_the_limit_are_413_and_leave_no_file() {
    let server = Server::start();
    let too_big = vec![0xAB; LIMIT + 1];
    let honest = server.request("POST", "/api/upload?name=big.bin", &[], &too_big);
    assert_eq!(honest.status, 413, "{}", honest.body);
    assert_json_content_type(&honest);
    assert_eq!(honest.json()["error"], "the file is over 5242880 bytes");
    assert_eq!(honest.header("Access-Control-Allow-Origin"), Some("*"));

    let chunked = send_chunked(server.port, "PUT", "/api/upload?name=big.bin", &too_big);
    assert_eq!(chunked.status, 413, "{}", chunked.body);
    assert_eq!(chunked.json()["error"], "the file is over 5242880 bytes");
    assert_eq!(server.stored(), Vec::<String>::new());

    // A Content-Length over the limit is refused before any body is sent.
    let mut stream = BufReader::new(connect(server.port));
    let head = format!(
        "POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        LIMIT + 1
    );
    stream
        .get_mut()
        .write_all(head.as_bytes())
        .expect("send head");
    assert_eq!(read_reply(&mut stream).status, 413);
    drop(stream);

    // Exactly the limit is fine.
    let full = server.request("POST", "/api/upload", &[], &too_big[..LIMIT]);
    let id = upload_id(&full);
    assert_eq!(full.json()["bytes"], LIMIT);
    assert_eq!(server.stored(), [format!("{id}-upload.bin")]);
}

#[test]
fn empty_and_cut_short_uploads_are_400() {
    let server = Server::start();
    let empty = server.request("POST", "/api/upload", &[], b"");
    assert_eq!(empty.status, 400);
    let error = empty.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("empty"), "{error}");
    assert_eq!(
        send_chunked(server.port, "PUT", "/api/upload", b"").status,
        400
    );

    // A Content-Length the client does not keep to.
    let mut stream = connect(server.port);
    stream
        .write_all(b"POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
        .expect("send head");
    stream.write_all(&[1; 100]).expect("send part of the body");
    stream.shutdown(Shutdown::Write).expect("stop sending");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read answer");
    let cut = parse_reply(&raw);
    assert_eq!(cut.status, 400);
    assert_eq!(
        cut.json()["error"],
        "the body ended after 100 of the 5000 bytes of its Content-Length"
    );
    assert_eq!(server.stored(), Vec::<String>::new());
}

#[test]
fn injected_failure_reaches_the_upload_then_the_next_one_works() {
    let server = Server::start();
    let set = server.post(
        "/api/control/fail?path=/api/upload&status=500&times=2",
        &[],
        "",
    );
    assert_eq!(set.status, 200);
    let bytes = binary(64 * 1024);
    // All on one connection: the failed uploads' bodies must be thrown away
    // for the next request to be read right.
    let mut conn = Conn::open(server.port);
    let failed = conn.send("POST", "/api/upload", Body::Sized(&bytes));
    assert_eq!(failed.status, 500);
    assert_eq!(failed.json()["error"], "injected failure");
    assert_eq!(failed.header("Access-Control-Allow-Origin"), Some("*"));
    let failed = conn.send("PUT", "/api/upload", Body::Chunked(&bytes));
    assert_eq!(failed.status, 500);
    assert_eq!(server.stored(), Vec::<String>::new());

    let ok = conn.send("POST", "/api/upload?name=next.bin", Body::Sized(&bytes));
    let id = upload_id(&ok);
    let download = conn.send("GET", &format!("/api/uploads/{id}"), Body::Sized(b""));
    assert!(download.bytes == bytes, "the downloaded bytes differ");
    let chunked = conn.send("PUT", "/api/upload", Body::Chunked(&bytes));
    upload_id(&chunked);
    assert_eq!(server.stored().len(), 2);
}

#[test]
fn upload_preflight_allows_post_put_and_the_widget_headers() {
    let server = Server::start();
    let reply = server.request(
        "OPTIONS",
        "/api/upload",
        &[
            ("Origin", "http://127.0.0.1:9999"),
            ("Access-Control-Request-Method", "PUT"),
            (
                "Access-Control-Request-Headers",
                "content-type, authorization, x-file-name, x-request-id",
            ),
        ],
        b"",
    );
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("Access-Control-Allow-Origin"), Some("*"));
    let methods = list(reply.header("Access-Control-Allow-Methods"));
    for method in ["post", "put"] {
        assert!(methods.iter().any(|m| m == method), "{methods:?}");
    }
    let allowed = list(reply.header("Access-Control-Allow-Headers"));
    for name in [
        "content-type",
        "authorization",
        "x-file-name",
        "x-request-id",
    ] {
        assert!(allowed.iter().any(|have| have == name), "{allowed:?}");
    }
}

#[test]
fn default_upload_dir_is_announced_after_the_listening_line() {
    // No --upload-dir: `spawn` checks the two lines; the dir is removed on drop.
    let server = Server::spawn(&[]);
    assert!(
        server.uploads.starts_with(std::env::temp_dir()),
        "{:?}",
        server.uploads
    );
    let name = server.uploads.file_name().unwrap_or_default();
    assert!(
        name.to_string_lossy().starts_with("chatlet-uploads-"),
        "{name:?}"
    );
    assert_eq!(server.stored(), Vec::<String>::new());
    let id = upload_id(&server.request("POST", "/api/upload?name=a.txt", &[], b"hello"));
    assert_eq!(server.stored(), [format!("{id}-a.txt")]);
}

/// An upload id names only an upload this server stored: no path, encoded or not.
#[test]
fn upload_ids_cannot_name_paths() {
    let server = Server::start();
    for id in [
        "..%2F..%2Fetc%2Fpasswd",
        "../../etc/passwd",
        "%2e%2e",
        "U-1%00",
    ] {
        let reply = send_raw(server.port, "GET", &format!("/api/uploads/{id}"), &[], b"");
        assert_eq!(reply.status, 404, "{id}");
    }
}
