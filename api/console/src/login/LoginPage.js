import { useState } from "preact/hooks";
import { rememberedTenant, signIn } from "../auth.js";
import { Button, Field, Input } from "../components/basic.js";
import { useAction } from "../components/hooks.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { LanguageSwitch } from "../layout/LanguageSwitch.js";

const MESSAGES = {
  invalid_credentials: "login:wrong_password",
  too_many_requests: "login:too_many",
  account_disabled: "login:disabled",
};

export function LoginPage() {
  const [tenant, setTenant] = useState(rememberedTenant());
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();
  const submit = (e) => {
    e.preventDefault();
    run(() => signIn({ tenant, username, password }));
  };
  const message = error && (MESSAGES[error.code] ? t(MESSAGES[error.code]) : error.message);
  return html`<main class="login">
    <form class="login-card" onSubmit=${submit} aria-labelledby="login-title">
      <div class="login-head">
        <h1 id="login-title">${t("app_name")}</h1>
        <${LanguageSwitch} />
      </div>
      <p class="login-intro">${t("login:intro")}</p>
      <${Field} label=${t("login:tenant")} hint=${t("login:tenant_hint")}>
        <${Input} name="tenant" autocomplete="organization" value=${tenant} onValue=${setTenant} />
      <//>
      <${Field} label=${t("login:username")}>
        <${Input} name="username" autocomplete="username" required value=${username} onValue=${setUsername} />
      <//>
      <${Field} label=${t("login:password")}>
        <${Input}
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value=${password}
          onValue=${setPassword}
        />
      <//>
      ${message && html`<div class="error-box" role="alert">${message}</div>`}
      <${Button} kind="primary" type="submit" busy=${busy}>${t("login:sign_in")}<//>
    </form>
  </main>`;
}
