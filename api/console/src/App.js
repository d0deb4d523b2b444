import { useEffect } from "preact/hooks";
import { token } from "./api.js";
import { directs, loadMe, me, signOut } from "./auth.js";
import { ErrorBox, Loading } from "./components/basic.js";
import { useAction } from "./components/hooks.js";
import { html } from "./html.js";
import { t } from "./i18n.js";
import { Shell } from "./layout/Shell.js";
import { LoginPage } from "./login/LoginPage.js";
import { navigate, route } from "./router.js";
import { PAGES } from "./routes.js";

function Page() {
  const path = route.value.path;
  const found = PAGES.find((p) => path === p.path || path.startsWith(p.path + "/"));
  useEffect(() => {
    if (path === "/") navigate(directs() ? "/map" : "/notices", {}, { replace: true });
  }, [path]);
  if (path === "/") return null;
  if (!found) return html`<div class="empty">${t("not_found")}</div>`;
  return html`<${found.component} />`;
}

function SignedIn() {
  const loading = useAction();
  useEffect(() => {
    if (!me.value) loading.run(loadMe);
  }, []);
  if (loading.error) {
    return html`<div class="page"><${ErrorBox} error=${loading.error} onRetry=${() => loading.run(loadMe)} />
      <button class="btn btn-ghost" onClick=${signOut}>${t("sign_out")}</button></div>`;
  }
  if (!me.value) return html`<${Loading} />`;
  return html`<${Shell}><${Page} /><//>`;
}

export function App() {
  return html`<${Root} />`;
}

function Root() {
  return token.value ? html`<${SignedIn} />` : html`<${LoginPage} />`;
}
