from tests.support import login, logout, register


def test_logout_then_login_in_one_test(client):
    assert register(client, "gina").status_code == 303
    assert logout(client).status_code == 303
    assert "Hi, gina" not in client.get("/").get_data(as_text=True)
    assert login(client, "gina").status_code == 303
    assert "Hi, gina" in client.get("/").get_data(as_text=True)

def test_two_clients_are_two_people(app, client):
    register(client, "hank")
    other = app.test_client()
    assert "Hi, hank" not in other.get("/").get_data(as_text=True)
