// Marks the page as having JavaScript before it is drawn, as the GOV.UK page template does.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
