/* Search from file://: Chromium refuses Web Workers to pages opened from the file system, so
   there the theme's search worker runs in a hidden same-origin iframe instead. Written for this
   site so that nothing is fetched from a CDN (the theme's offline plugin would add unpkg's
   iframe-worker; a polyfill whose name holds "iframe-worker" stands in for it). */
(function () {
  if (location.protocol !== "file:") return;
  window.Worker = function FrameWorker(url) {
    var host = new EventTarget(), queue = [], ready = false;
    var frame = document.createElement("iframe");
    frame.hidden = true;
    (document.body || document.documentElement).appendChild(frame);
    var inner = frame.contentWindow;
    inner.postMessage = function (data) {
      host.dispatchEvent(new MessageEvent("message", { data: data }));
    };
    inner.importScripts = function () {};  /* English search needs no extra lunr scripts */
    function deliver(data) {
      inner.dispatchEvent(new inner.MessageEvent("message", { data: data }));
    }
    host.postMessage = function (data) {
      if (ready) deliver(data); else queue.push(data);
    };
    host.terminate = function () { frame.remove(); };
    var script = inner.document.createElement("script");
    script.onload = function () {
      ready = true;
      queue.splice(0).forEach(deliver);
    };
    script.src = new URL(url, location.href).href;
    inner.document.head.appendChild(script);
    return host;
  };
})();
