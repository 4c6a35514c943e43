"""The web UI for reading and posting: timelines, a status's thread, notifications and the
forms that post, boost, favourite, bookmark, delete and follow. Plain HTML forms (POST, then
a redirect), so every page works without JavaScript; every change goes through the same
service functions as the client API, so it federates and streams the same way."""
