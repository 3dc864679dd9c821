// `sqlx::migrate!` embeds the migrations at compile time; without this, adding a file
// to migrations/ would not rebuild the crate and the binary would silently lack it.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
