// The report page's one enhancement: a button that copies the remediation policy. Without
// JavaScript the button stays hidden and the policy is plain selectable text.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("copy-policy");
  const policy = document.getElementById("policy-document");
  if (!button || !policy || !navigator.clipboard) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(policy.textContent).then(
      () => { button.textContent = "Copied"; },
      () => { button.textContent = "Select the policy above and copy it"; },
    );
  });
});
